package dev.safetune.safeguards.audit;

import dev.safetune.core.audit.GateDecision;

/**
 * The gate's decision, the rule that decided and the numbers it decided on, in words a report prints as they are.
 *
 * @param rule {@code max_misaligned_increase}, {@code min_coherence} or {@code within_policy} (released: no rule broke)
 */
public record GateVerdict(GateDecision decision, String rule, String condition, String category, String reason) {}
