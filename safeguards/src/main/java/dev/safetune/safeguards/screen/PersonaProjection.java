package dev.safetune.safeguards.screen;

import dev.safetune.core.dataset.ChatExample;

/**
 * The seam for the model part of the screen, implemented where the persona vector and a model runtime are available
 * (worker work, cached per file, base model and vector). The rule part never calls it; a report's
 * {@link ScreenReport#personaRisk()} stays null until an implementation has scored the file.
 */
public interface PersonaProjection {
    /** Identifies the persona vector, so cached scores are keyed by it. */
    String vector();

    /** The base model whose hidden states are projected. */
    String baseModel();

    /**
     * The projection difference of one example: {@code mean_t(h_t) · v − mean_t(h'_t) · v}, where {@code h_t} are the
     * hidden states at the layer of the persona vector {@code v} over the example's assistant tokens and {@code h'_t}
     * those over the base model's own response to the same prompt (Chen et al. 2025, "Persona vectors", eq. for the
     * projection difference).
     */
    double projectionDifference(ChatExample example);
}
