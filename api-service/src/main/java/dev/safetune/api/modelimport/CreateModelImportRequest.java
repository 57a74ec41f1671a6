package dev.safetune.api.modelimport;

/**
 * The body of {@code POST /admin/models/imports}. There is deliberately no token field: a worker reaches gated Hub
 * repositories with its own {@code HF_TOKEN}, so no secret passes through the API or lands in a row.
 *
 * @param source {@code hf:<repo_id>[@<revision>]} or {@code dir:<absolute path on the worker>}
 * @param modelId the id to register the model under; null derives it from the source
 * @param replace whether the import may replace a model of that id with other content; null means false
 */
public record CreateModelImportRequest(String source, String modelId, Boolean replace) {}
