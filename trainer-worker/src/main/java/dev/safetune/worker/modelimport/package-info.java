/**
 * The worker's side of imports requested over the admin API, as one handler on the leased-work queue
 * ({@link dev.safetune.worker.work}): {@link dev.safetune.worker.modelimport.ImportQueue} describes the
 * {@code model_imports} kind and its fenced writes (progress, outcome), and
 * {@link dev.safetune.worker.modelimport.ImportRunner} runs the registry's
 * {@link dev.safetune.worker.registry.ModelImporter} on a claimed row. The classes are plain Java;
 * {@code ModelImportConfiguration} wires them.
 */
package dev.safetune.worker.modelimport;
