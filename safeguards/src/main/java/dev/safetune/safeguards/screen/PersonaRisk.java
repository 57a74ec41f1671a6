package dev.safetune.safeguards.screen;

/**
 * The model part of the screen, summarised for a dataset: the persona-vector projection difference of each example
 * (Chen et al. 2025, "Persona vectors", §5: the projection of the mean hidden state over the assistant tokens onto the
 * base model's persona vector, minus the same projection for the base model's own response to the prompt), as its
 * dataset mean and 95th percentile. Null in a report until the model part has run.
 *
 * @param vector which persona vector (id or name)
 * @param baseModel the base model whose hidden states were projected
 * @param examples examples scored
 * @param mean mean projection difference
 * @param p95 95th percentile of the projection differences
 */
public record PersonaRisk(String vector, String baseModel, int examples, double mean, double p95) {}
