/**
 * The worker's side of imports requested over the admin API: {@link dev.safetune.worker.modelimport.ImportRunner}
 * claims a queued {@code model_imports} row ({@link dev.safetune.worker.modelimport.ImportQueue}: SKIP LOCKED, lease,
 * fencing by attempt, expired leases re-queued), runs the registry's
 * {@link dev.safetune.worker.registry.ModelImporter} on it and writes progress and outcome back to the row. The
 * classes are plain Java; {@code ModelImportConfiguration} wires them.
 */
package dev.safetune.worker.modelimport;
