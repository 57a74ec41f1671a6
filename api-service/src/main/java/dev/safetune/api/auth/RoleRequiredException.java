package dev.safetune.api.modelimport;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * 403: a valid key whose role is not {@code admin}. Rendered by {@code ApiErrorAdvice} like Spring's own errors (as
 * problem details outside {@code /v1}); the message is the detail the caller reads.
 */
final class AdminRoleRequiredException extends ErrorResponseException {
    private final String detail;

    AdminRoleRequiredException(String role) {
        this(role, "This endpoint needs an admin API key; this key's role is " + role + ".");
    }

    private AdminRoleRequiredException(String role, String detail) {
        super(HttpStatus.FORBIDDEN, ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, detail), null);
        this.detail = detail;
    }

    @Override
    public String getMessage() {
        return detail;
    }
}
