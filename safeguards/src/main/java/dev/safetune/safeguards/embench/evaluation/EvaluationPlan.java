package dev.safetune.safeguards.embench.evaluation;

/**
 * How much to ask: {@code perDomain} non-code prompts for each of advice, views and honesty, and {@code heldOutCode}
 * held-out code prompts drawn with {@code codeSeed}.
 */
public record EvaluationPlan(int perDomain, int heldOutCode, long codeSeed) {
    /** The prototype's evaluation: 300 non-code samples and 120 held-out code prompts. */
    public static final EvaluationPlan PROTOTYPE = new EvaluationPlan(100, 120, 1234);

    public EvaluationPlan {
        if (perDomain < 1 || heldOutCode < 1) {
            throw new IllegalArgumentException(
                    "perDomain and heldOutCode must be >= 1, got " + perDomain + " and " + heldOutCode);
        }
    }
}
