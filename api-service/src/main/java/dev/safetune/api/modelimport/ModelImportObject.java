package dev.safetune.api.modelimport;

/**
 * (+) A base-model import as the admin API shows it.
 *
 * @param source the source in canonical form ({@code hf:<repo_id>@<revision>} or {@code dir:<path>})
 * @param modelId the id the request named (null: derived from the source) until the import succeeds, then the id the
 *     model is registered under
 * @param bytesDone bytes fetched so far (downloaded or copied, resumed bytes included)
 * @param bytesTotal bytes the import will fetch, once the source has been listed; null before
 * @param message what the import is doing now, or how it ended
 * @param error why it failed: the importer's stable code (e.g. {@code gated_repo}, {@code unsupported_architecture})
 *     and a message; null unless {@code status} is {@code failed}
 * @param requestedBy the id of the API key that asked for it (never the key itself)
 * @param worker the worker running it, or the last one that did
 * @param attempts how many times a worker has claimed it
 */
public record ModelImportObject(
        String id,
        String object,
        String source,
        String modelId,
        boolean replace,
        String status,
        long bytesDone,
        Long bytesTotal,
        String message,
        ImportError error,
        String requestedBy,
        String worker,
        int attempts,
        long createdAt,
        Long startedAt,
        Long finishedAt) {
    static final String OBJECT = "model.import";
    static final String ID_PREFIX = "mi";

    public record ImportError(String code, String message) {}
}
