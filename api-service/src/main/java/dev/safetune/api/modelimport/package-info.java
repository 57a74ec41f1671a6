/**
 * (+) The admin API for base-model imports ({@code /admin/models/imports}): admin keys queue an import of a Hugging
 * Face repository or a worker-local directory and follow its progress; a worker's import runner
 * ({@code dev.safetune.worker.modelimport}) claims and runs it.
 */
package dev.safetune.api.modelimport;
