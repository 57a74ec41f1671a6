package dev.safetune.api.policy;

import dev.safetune.core.policy.PolicyViolation;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * 400 as RFC 9457 problem details with every field at fault in {@code errors[]} ({@code {"field","message"}}), the
 * field a dotted path into the request body ({@code document.safeguards.kl.beta}). Rendered by {@code ApiErrorAdvice},
 * which keeps a problem's extra members.
 */
final class InvalidPolicyRequestException extends ErrorResponseException {
    private final String detail;

    InvalidPolicyRequestException(String detail, List<PolicyViolation> errors) {
        super(HttpStatus.BAD_REQUEST, problem(detail, errors), null);
        this.detail = detail;
    }

    private static ProblemDetail problem(String detail, List<PolicyViolation> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        problem.setProperty("code", "invalid_safety_policy");
        problem.setProperty("param", errors.isEmpty() ? null : errors.get(0).field());
        problem.setProperty("errors", List.copyOf(errors));
        return problem;
    }

    @Override
    public String getMessage() {
        return detail;
    }
}
