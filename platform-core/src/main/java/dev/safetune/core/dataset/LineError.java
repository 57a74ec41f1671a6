package dev.safetune.core.dataset;

/**
 * A problem with one line of a training file: its 1-based number, the JSON path of the field, and why, worded to
 * follow the field ({@code messages[2].role} "must be one of …") or, without one, to stand alone ("invalid JSON: …").
 */
public record LineError(int line, String field, String message) {
    /** For problems with the file as a whole rather than one line. */
    public static LineError ofFile(String message) {
        return new LineError(0, null, message);
    }

    @Override
    public String toString() {
        String where = line > 0 ? "line " + line : "file";
        return field == null ? where + ": " + message : where + ": " + field + " " + message;
    }
}
