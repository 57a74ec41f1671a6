package dev.safetune.core.dataset;

import java.util.List;

/**
 * The outcome of reading a training file: how many lines and valid examples it had, and the first
 * {@code errors().size()} problems (capped; {@code errorCount} is the full count).
 */
public record ValidationReport(int lines, int examples, List<LineError> errors, int errorCount) {
    public ValidationReport {
        errors = List.copyOf(errors);
    }

    public boolean valid() {
        return errorCount == 0;
    }

    /** A short human summary for {@code status_details}. */
    public String summary() {
        if (valid()) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        int shown = Math.min(errors.size(), 5);
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                out.append("; ");
            }
            out.append(errors.get(i));
        }
        if (errorCount > shown) {
            out.append("; and ").append(errorCount - shown).append(" more");
        }
        return out.toString();
    }
}
