package dev.safetune.core.policy;

/**
 * One in-training safeguard's settings in a policy: a record that is a field of {@link Safeguards} and checks its own
 * bounds. Adding a safeguard is one such record plus one field in {@link Safeguards}; the compiler then asks for its
 * row in {@link StricterOrEqual} (a switch over this sealed type), so no safeguard can exist without a rule for what
 * weakens it.
 */
public sealed interface Safeguard
        permits KlToReference, FeatureSpaceL2, PersonaSteering, BenignInterleaving, InoculationPrompt, ConceptAblation {
    /**
     * Highest layer index a policy may name. Layer indices are residual-stream indices: 0 is the embedding output,
     * {@code l} the stream after decoder layer {@code l}. The policy does not know the model: whether a layer exists in
     * the base model is checked by the worker when the job starts. This bound only keeps indices sane.
     */
    int MAX_LAYER = 1023;

    /** Adds a violation per field that breaks a bound; {@code at} is this safeguard's path. */
    void validate(PolicyViolations at);
}
