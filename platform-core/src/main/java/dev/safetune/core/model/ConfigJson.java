package dev.safetune.core.model;

import tools.jackson.databind.JsonNode;

/**
 * Field readers for a Hugging Face {@code config.json}, shared by the registry's {@link ModelShape} and the
 * runtime's model configuration: each names the field and what it held when the value is wrong, since a config
 * with a wrong field must be a clear error and never a silent default.
 */
public final class ConfigJson {
    private ConfigJson() {}

    public static int requiredInt(JsonNode json, String field) {
        return requiredInt(json, field, field);
    }

    /** As {@link #requiredInt(JsonNode, String)}, the error naming the field as {@code description}. */
    public static int requiredInt(JsonNode json, String field, String description) {
        JsonNode node = json.path(field);
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new IllegalArgumentException(description + " must be an integer, got " + describe(node));
        }
        return node.intValue();
    }

    public static double requiredDouble(JsonNode json, String field) {
        return requiredDouble(json, field, field);
    }

    /** As {@link #requiredDouble(JsonNode, String)}, the error naming the field as {@code description}. */
    public static double requiredDouble(JsonNode json, String field, String description) {
        JsonNode node = json.path(field);
        if (!node.isNumber()) {
            throw new IllegalArgumentException(description + " must be a number, got " + describe(node));
        }
        return node.doubleValue();
    }

    /** The integer, or null when the field is absent or null. */
    public static Integer optionalInt(JsonNode json, String field) {
        return json.hasNonNull(field) ? requiredInt(json, field) : null;
    }

    /** The boolean, or false when the field is absent or null. */
    public static boolean optionalBoolean(JsonNode json, String field) {
        JsonNode node = json.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw new IllegalArgumentException(field + " must be true or false, got " + node);
        }
        return node.booleanValue();
    }

    /** The string, or null when the field is absent or null. */
    public static String optionalString(JsonNode json, String field) {
        JsonNode node = json.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw new IllegalArgumentException(field + " must be a string, got " + node);
        }
        return node.stringValue();
    }

    public static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }

    /** A field's value as the errors quote it. */
    public static String describe(JsonNode node) {
        return node.isMissingNode() ? "nothing (field missing)" : node.toString();
    }
}
