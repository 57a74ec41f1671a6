package dev.safetune.safeguards.guard;

/**
 * What {@link TrainingProbe} read on its fixed batch.
 *
 * @param klToBase mean {@code KL(p_θ ‖ p_base)} over the probe's assistant-token predictions
 * @param personaProjection mean response-token hidden state at the persona vector's layer, projected on its unit
 *     vector ({@code mean_t h_l[t] · v/‖v‖}), adapter on, no steering; null without a persona vector. Rising during
 *     training is a cheap live warning of emergent misalignment.
 * @param baseProjection the same projection with the adapter off (the base model's level); null without a vector
 */
public record ProbeReading(double klToBase, Double personaProjection, Double baseProjection) {}
