/**
 * The base-model registry's import side: {@link dev.safetune.worker.registry.ModelImporter} brings a model from the
 * Hugging Face Hub ({@link dev.safetune.worker.registry.hub}) or a local directory into the content-addressed
 * {@link dev.safetune.worker.registry.ModelStore}, validates it ({@link dev.safetune.worker.registry.ModelValidator})
 * and registers it with its provenance in PostgreSQL. {@link dev.safetune.worker.registry.ImportSource},
 * {@link dev.safetune.worker.registry.ImportRequest}, {@link dev.safetune.worker.registry.ImportProgress},
 * {@link dev.safetune.worker.registry.ImportedModel} and {@link dev.safetune.worker.registry.ModelImportException}
 * are what the CLI, the admin endpoint and the worker's import runner use.
 *
 * <p>Plain Java, no Spring.
 */
package dev.safetune.worker.registry;
