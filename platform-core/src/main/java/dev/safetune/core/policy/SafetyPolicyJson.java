package dev.safetune.core.policy;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The policy document's JSON, the contract between the API that stores versions and everything that reads them. Field
 * names are snake_case, enums lowercase ({@code "direction":"forward"}). Reading is strict: unknown fields, duplicate
 * keys, strings for numbers and fractions for integers are violations naming the field, never silently dropped or
 * coerced, because a typo in a safety document must not switch a safeguard off.
 *
 * <p>{@link #canonical} writes the one form of a document: keys sorted, absent values and empty sections left out,
 * layer sets sorted, no whitespace. Its {@link #sha256} identifies the content of a version.
 */
public final class SafetyPolicyJson {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .disable(MapperFeature.SORT_CREATOR_PROPERTIES_FIRST)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private SafetyPolicyJson() {}

    /** Parses and validates a document; {@link InvalidSafetyPolicyException} names every field at fault. */
    public static SafetyPolicy read(String json) {
        SafetyPolicy policy;
        try {
            policy = MAPPER.readValue(json, SafetyPolicy.class);
        } catch (JacksonException e) {
            throw new InvalidSafetyPolicyException(List.of(violationOf(e)));
        }
        if (policy == null) {
            throw new InvalidSafetyPolicyException(List.of(new PolicyViolation("", "must be a JSON object")));
        }
        return policy.requireValid();
    }

    /** {@link #read(String)} of a document already parsed as a tree (e.g. a field of a request body). */
    public static SafetyPolicy read(JsonNode document) {
        if (document == null || !document.isObject()) {
            throw new InvalidSafetyPolicyException(List.of(new PolicyViolation("", "must be a JSON object")));
        }
        return read(document.toString());
    }

    /** The canonical form: sorted keys, nulls and empty sections left out, no whitespace. */
    public static String canonical(SafetyPolicy policy) {
        return MAPPER.writeValueAsString(policy);
    }

    /** The canonical form as a tree, for embedding in a response. */
    public static JsonNode tree(SafetyPolicy policy) {
        return MAPPER.readTree(canonical(policy));
    }

    /** Hex sha256 of the UTF-8 bytes of the canonical form. */
    public static String sha256(SafetyPolicy policy) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonical(policy).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** A record component's name as a document field: {@code systemPrompt} is {@code system_prompt}. */
    static String fieldName(String javaName) {
        return javaName.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static PolicyViolation violationOf(JacksonException e) {
        if (e instanceof InputCoercionException range) {
            return new PolicyViolation(
                    pathOf(e),
                    "is out of range for "
                            + (range.getTargetType() == null ? "its type" : jsonType(range.getTargetType())));
        }
        if (e instanceof StreamReadException syntax && !(e instanceof MismatchedInputException)) {
            var at = syntax.getLocation();
            return new PolicyViolation(
                    pathOf(e),
                    "is not valid JSON"
                            + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        String field = pathOf(e);
        if (e instanceof UnrecognizedPropertyException unknown) {
            return new PolicyViolation(field, "is not a field of " + describe(unknown.getReferringClass()));
        }
        if (e instanceof InvalidFormatException format
                && format.getTargetType() != null
                && format.getTargetType().isEnum()) {
            return new PolicyViolation(field, "must be one of " + enumValues(format.getTargetType()));
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            Class<?> target = mismatch.getTargetType();
            if (target.isEnum()) {
                return new PolicyViolation(field, "must be one of " + enumValues(target));
            }
            return new PolicyViolation(field, "must be " + jsonType(target));
        }
        return new PolicyViolation(field, "could not be read");
    }

    private static String pathOf(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String describe(Class<?> type) {
        if (type == null || type == SafetyPolicy.class) {
            return "the policy (safeguards, audit, screen)";
        }
        if (type == Safeguards.class) {
            return "safeguards ("
                    + Arrays.stream(Safeguards.class.getRecordComponents())
                            .map(c -> fieldName(c.getName()))
                            .collect(Collectors.joining(", "))
                    + ")";
        }
        return "this object ("
                + Arrays.stream(
                                type.getRecordComponents() == null
                                        ? new java.lang.reflect.RecordComponent[0]
                                        : type.getRecordComponents())
                        .map(c -> fieldName(c.getName()))
                        .collect(Collectors.joining(", "))
                + ")";
    }

    private static String enumValues(Class<?> type) {
        return Arrays.stream(type.getEnumConstants())
                .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
    }

    private static String jsonType(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == Integer.class || type == int.class) {
            return "an integer";
        }
        if (List.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }
}
