package dev.safetune.api.error;

import org.springframework.http.HttpStatus;

/** 409: the object exists but its current state forbids the request (e.g. deleting a file a job still uses). */
public final class ConflictException extends ApiException {
    public ConflictException(String code, String param, String message) {
        super(HttpStatus.CONFLICT, code, param, message);
    }
}
