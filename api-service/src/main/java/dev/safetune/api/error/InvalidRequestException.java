package dev.safetune.api.error;

import org.springframework.http.HttpStatus;

/** 400: the request is understood but a parameter is wrong; {@code param} names it. */
public final class InvalidRequestException extends ApiException {
    public InvalidRequestException(String param, String code, String message) {
        super(HttpStatus.BAD_REQUEST, code, param, message);
    }

    /** A required parameter (JSON field, query parameter or multipart part) is absent. */
    public static InvalidRequestException missing(String param) {
        return new InvalidRequestException(
                param, "missing_required_parameter", "Missing required parameter: '" + param + "'.");
    }
}
