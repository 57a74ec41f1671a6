package dev.safetune.api.auth;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * 403: a valid key of another role than the route needs (see {@code RouteAccess}). Rendered by
 * {@code ApiErrorAdvice} like Spring's own errors (as problem details outside {@code /v1}); the message is the detail
 * the caller reads.
 */
final class RoleRequiredException extends ErrorResponseException {
    private final String detail;

    /** @param required what the route needs, e.g. "an API key with role member" */
    RoleRequiredException(String required, String role) {
        this("This endpoint needs " + required + "; this key's role is " + role + ".");
    }

    private RoleRequiredException(String detail) {
        super(HttpStatus.FORBIDDEN, ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, detail), null);
        this.detail = detail;
    }

    @Override
    public String getMessage() {
        return detail;
    }
}
