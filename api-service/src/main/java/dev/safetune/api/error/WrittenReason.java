package dev.safetune.api.error;

import java.util.Optional;

/**
 * The written reason a privileged action carries into its append-only log (gate overrides, screen reviews, policy
 * versions): required, since the log exists to say why, and bounded, since it is stored and shown as it is.
 */
public final class WrittenReason {
    /** The longest reason any log keeps. */
    public static final int MAX_LENGTH = 2000;

    private WrittenReason() {}

    /** What is wrong with {@code reason}, phrased to follow the field's name; empty when it may be stored. */
    public static Optional<String> problem(String reason) {
        if (reason == null || reason.isBlank()) {
            return Optional.of("is required: it is kept in the log, with who and when");
        }
        if (reason.length() > MAX_LENGTH) {
            return Optional.of("must be at most " + MAX_LENGTH + " characters, got " + reason.length());
        }
        return Optional.empty();
    }

    /** The reason as it is stored (stripped), or a 400 naming the {@code reason} field. */
    public static String require(String reason) {
        Optional<String> problem = problem(reason);
        if (problem.isPresent()) {
            String code = reason == null || reason.isBlank() ? "missing_required_parameter" : "invalid_value";
            throw new InvalidRequestException("reason", code, "'reason' " + problem.get() + ".");
        }
        return reason.strip();
    }
}
