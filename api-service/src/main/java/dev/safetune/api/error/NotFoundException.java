package dev.safetune.api.error;

import org.springframework.http.HttpStatus;

/**
 * 404: no such object for this organisation. Another tenant's object is reported exactly like a missing one, so
 * ids cannot be probed across tenants.
 */
public final class NotFoundException extends ApiException {
    public NotFoundException(String param, String message) {
        super(HttpStatus.NOT_FOUND, "not_found", param, message);
    }
}
