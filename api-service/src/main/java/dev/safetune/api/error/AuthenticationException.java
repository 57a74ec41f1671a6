package dev.safetune.api.error;

import org.springframework.http.HttpStatus;

/** 401: no API key, or one that is unknown or revoked. The message never says which, nor echoes the key. */
public final class AuthenticationException extends ApiException {
    public AuthenticationException(String message) {
        super(HttpStatus.UNAUTHORIZED, "invalid_api_key", null, message);
    }
}
