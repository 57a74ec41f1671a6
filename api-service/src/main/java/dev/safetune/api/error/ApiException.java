package dev.safetune.api.error;

import org.springframework.http.HttpStatus;

/**
 * A request the API refuses, carrying what the client is told: the HTTP status, OpenAI's error {@code type} and
 * {@code code}, and the {@code param} at fault. {@link ApiErrorAdvice} is the one place that renders it.
 */
public abstract sealed class ApiException extends RuntimeException
        permits InvalidRequestException, AuthenticationException, NotFoundException, ConflictException {
    private final HttpStatus status;
    private final String code;
    private final String param;

    protected ApiException(HttpStatus status, String code, String param, String message) {
        super(message);
        this.status = status;
        this.code = code;
        this.param = param;
    }

    public HttpStatus status() {
        return status;
    }

    /** OpenAI's error type: every refusal of a client's request is an {@code invalid_request_error}. */
    public String type() {
        return "invalid_request_error";
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }
}
