package dev.safetune.core.json;

import java.util.Locale;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;

/**
 * Says why a piece of JSON does not parse in the words of the person who wrote it: "unexpected end of input",
 * "unexpected character '}'", "duplicate field "a"". Jackson's own messages name parser features, redacted sources
 * and byte offsets ("Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); byte offset:
 * #UNKNOWN"), which mean nothing to a customer; this is the one place that turns them into a reason and a position.
 */
public final class JsonSyntaxError {
    /** Jackson's "(start marker at [Source: …])" and "at [Source: …]" tails: where, in terms of its own input. */
    private static final Pattern SOURCE_TAIL = Pattern.compile(
            "\\s*\\((?:start marker at|for \\w+ starting at) \\[Source:[^\\]]*\\]\\)|\\s*at \\[Source:.*$",
            Pattern.DOTALL);
    /** "('x' (code 120))" → "'x'". */
    private static final Pattern CHARACTER = Pattern.compile("\\('(.)' \\(code \\d+\\)\\)");
    /** "((CTRL-CHAR, code 10))" → "control character U+000A". */
    private static final Pattern CONTROL = Pattern.compile("\\(\\(CTRL-CHAR, code (\\d+)\\)\\)");
    /** ": enable `JsonReadFeature.X` to allow" and similar advice about parser settings the customer cannot change. */
    private static final Pattern FEATURE_ADVICE = Pattern.compile(":?\\s*[^:]*`[^`]*`.*$", Pattern.DOTALL);

    private JsonSyntaxError() {}

    /** The reason alone, e.g. {@code unexpected end of input: expected '}' to close an object}. */
    public static String reason(JacksonException e) {
        String raw = e.getOriginalMessage();
        if (raw == null || raw.isBlank()) {
            return "malformed JSON";
        }
        String text = SOURCE_TAIL.matcher(raw).replaceAll("");
        text = CHARACTER.matcher(text).replaceAll("'$1'");
        text = CONTROL.matcher(text)
                .replaceAll(m -> String.format(Locale.ROOT, "control character U+%04X", Integer.parseInt(m.group(1))));
        text = FEATURE_ADVICE.matcher(text).replaceAll("");
        text = text.replace("Unexpected end-of-input", "unexpected end of input")
                .replace(
                        "was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                        "expected a JSON value")
                .replace("expected close marker for Object", "expected '}' to close an object")
                .replace("expected close marker for Array", "expected ']' to close an array")
                .replace("Duplicate Object property", "duplicate field")
                .replace("Object", "object")
                .replace("Array", "array")
                .replace("was expecting", "expected")
                .strip();
        if (text.isEmpty() || looksInternal(text)) {
            return "malformed JSON";
        }
        return Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }

    /** The reason and the 1-based column, for one line of JSON Lines: {@code unexpected end of input (column 42)}. */
    public static String onLine(JacksonException e) {
        TokenStreamLocation at = e.getLocation();
        String reason = reason(e);
        return at == null || at.getColumnNr() < 1 ? reason : reason + " (column " + at.getColumnNr() + ")";
    }

    /** The reason with line and column, for a whole JSON document: {@code … (line 3, column 7)}. */
    public static String inDocument(JacksonException e) {
        TokenStreamLocation at = e.getLocation();
        String reason = reason(e);
        if (at == null || at.getLineNr() < 1) {
            return reason;
        }
        return reason + " (line " + at.getLineNr() + (at.getColumnNr() > 0 ? ", column " + at.getColumnNr() : "") + ")";
    }

    /** A leftover that names the parser rather than the input: better said as nothing than leaked. */
    private static boolean looksInternal(String text) {
        return text.contains("Source:")
                || text.contains("REDACTED")
                || text.contains("#UNKNOWN")
                || text.contains("Feature")
                || text.contains("`")
                || text.contains("tools.jackson")
                || text.contains("java.");
    }
}
