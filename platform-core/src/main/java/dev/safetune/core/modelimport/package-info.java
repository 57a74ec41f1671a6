/**
 * Base-model imports as both apps see them: the syntax of a request ({@link dev.safetune.core.modelimport.ImportSpec})
 * that the admin API checks before queueing it, and the life cycle of a queued import
 * ({@link dev.safetune.core.modelimport.ImportStatus}) that the worker's import runner follows. The import itself
 * (download, validation, registration) is the worker's {@code dev.safetune.worker.registry}.
 */
package dev.safetune.core.modelimport;
