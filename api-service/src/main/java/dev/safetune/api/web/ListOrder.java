package dev.safetune.api.web;

import dev.safetune.api.error.InvalidRequestException;

/** OpenAI's {@code order} query parameter: by creation, oldest ({@code asc}) or newest ({@code desc}) first. */
public enum ListOrder {
    ASC,
    DESC;

    /** The parameter's value; anything but {@code asc} or {@code desc} is a 400 naming {@code order}. */
    public static ListOrder parse(String value) {
        return switch (value) {
            case "asc" -> ASC;
            case "desc" -> DESC;
            default ->
                throw new InvalidRequestException(
                        "order", "invalid_value", "Invalid 'order': '" + value + "'; use 'asc' or 'desc'.");
        };
    }
}
