package dev.safetune.api.dryrun;

import dev.safetune.api.file.FileObject.Validation;
import tools.jackson.databind.JsonNode;

/**
 * (+) The answer of {@code POST /v1/files/{id}/validate}: everything a customer wants to know before paying for a
 * job. Tokens and estimate cover the file's valid examples; a file with errors ({@code valid: false}) cannot be used
 * for a job until they are fixed.
 */
public record DryRunReport(
        String object,
        String fileId,
        String model,
        boolean valid,
        Validation validation,
        TokenCounts tokens,
        Estimate estimate,
        JsonNode safetyPolicy) {
    static final String OBJECT = "file.validation";
}
