package dev.safetune.worker.registry.hub;

import java.util.Objects;

/** A Hub request that failed for good (after retries where retrying could help). */
public final class HubException extends RuntimeException {

    /** What failed; {@code X-Error-Code} and the status decide, as in {@code huggingface_hub}'s hf_raise_for_status. */
    public enum Problem {
        /** 404 {@code RepoNotFound}, or 401 without an error code (the Hub hides private repos that way). */
        REPO_NOT_FOUND,
        /** 404 {@code RevisionNotFound}. */
        REVISION_NOT_FOUND,
        /** 404 {@code EntryNotFound}, or a 404 for a file. */
        ENTRY_NOT_FOUND,
        /** 401/403 {@code GatedRepo}. */
        GATED,
        /** Another 401/403: a token the Hub rejects, or no permission. */
        ACCESS_DENIED,
        /** An answer this client cannot use (bad JSON, missing hashes, too many redirects), or retries ran out. */
        BAD_RESPONSE,
        /** The bytes do not have the published size. */
        SIZE_MISMATCH,
        /** The bytes do not have the published hash. */
        HASH_MISMATCH,
        /** The local download directory failed. */
        LOCAL_IO
    }

    private final Problem problem;
    private final String file;

    HubException(Problem problem, String file, String message) {
        this(problem, file, message, null);
    }

    HubException(Problem problem, String file, String message, Throwable cause) {
        super(message, cause);
        this.problem = Objects.requireNonNull(problem, "problem");
        this.file = file;
    }

    public Problem problem() {
        return problem;
    }

    /** The repository file concerned, or null for a failure about the repository or revision. */
    public String file() {
        return file;
    }
}
