package dev.safetune.api.dryrun;

import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/files/{id}/validate}.
 *
 * @param model the base model whose tokenizer counts the tokens and whose measured speed gives the duration
 * @param nEpochs a number or {@code "auto"}, as for a job; absent means the job default
 * @param safetyPolicy the policy the job would run with; echoed, not yet part of the estimate
 */
public record DryRunRequest(String model, JsonNode nEpochs, JsonNode safetyPolicy) {}
