package dev.safetune.api.web;

import dev.safetune.api.error.InvalidRequestException;

/** A validated {@code limit} query parameter. */
public record PageLimit(int value) {

    /** The client's limit, or {@code defaultLimit} when absent; outside 1..max is a 400 naming {@code limit}. */
    public static PageLimit of(Integer requested, int defaultLimit, int max) {
        if (requested == null) {
            return new PageLimit(defaultLimit);
        }
        if (requested < 1 || requested > max) {
            throw new InvalidRequestException(
                    "limit", "invalid_value", "Invalid 'limit': " + requested + " is not between 1 and " + max + ".");
        }
        return new PageLimit(requested);
    }

    /** Rows to ask the database for: one more than the page, to learn {@code has_more}. */
    public int fetchSize() {
        return value + 1;
    }
}
