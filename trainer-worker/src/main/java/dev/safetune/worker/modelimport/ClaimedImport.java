package dev.safetune.worker.modelimport;

import dev.safetune.worker.work.Lease;
import java.util.Optional;

/**
 * An import a worker has claimed, as the admin API queued it.
 *
 * @param source {@code hf:<repo_id>@<revision>} or {@code dir:<path>}, parsed again by the importer
 * @param modelId the id the request named; empty means the importer derives one from the source
 * @param replace whether it may replace other content registered under that id
 */
public record ClaimedImport(Lease lease, String source, Optional<String> modelId, boolean replace) {}
