package dev.safetune.worker.registry;

import java.util.Objects;

/**
 * Why an import failed: a stable {@link Code} (for API error bodies and the import's {@code error_code}), the field
 * or file at fault when there is one, and a message a person can act on.
 */
public final class ModelImportException extends RuntimeException {

    /** What went wrong, grouped by who can fix it ({@link Kind}). */
    public enum Code {
        /** The source string is not {@code hf:<repo_id>[@<revision>]} or {@code dir:<path>}. */
        INVALID_SOURCE("invalid_source", Kind.INVALID_REQUEST),
        /** The requested model id is not usable as a base-model id. */
        INVALID_MODEL_ID("invalid_model_id", Kind.INVALID_REQUEST),
        /** The repository does not exist, or is private and the token (if any) cannot see it. */
        REPO_NOT_FOUND("repo_not_found", Kind.NOT_FOUND),
        /** The repository has no such branch, tag or commit. */
        REVISION_NOT_FOUND("revision_not_found", Kind.NOT_FOUND),
        /** A file the listing named is not there, or the local directory lacks it. */
        FILE_NOT_FOUND("file_not_found", Kind.NOT_FOUND),
        /** The repository is gated: no token, or a token whose account has not been granted access. */
        GATED_REPO("gated_repo", Kind.UNAUTHORIZED),
        /** The Hub refused the token or the request (401/403 that is not about gating). */
        ACCESS_DENIED("access_denied", Kind.UNAUTHORIZED),
        /** The Hub answered something this client cannot use, or kept failing after retries. */
        HUB_ERROR("hub_error", Kind.UPSTREAM),
        /** A file's bytes do not have the size the Hub (or the listing) publishes. */
        SIZE_MISMATCH("size_mismatch", Kind.UPSTREAM),
        /** A file's bytes do not have the hash the Hub publishes. */
        HASH_MISMATCH("hash_mismatch", Kind.UPSTREAM),
        /** config.json asks for an architecture or feature the runtime does not compute. */
        UNSUPPORTED_ARCHITECTURE("unsupported_architecture", Kind.INVALID_MODEL),
        /** config.json is missing, unreadable or inconsistent. */
        INVALID_CONFIG("invalid_config", Kind.INVALID_MODEL),
        /** The weights lack a tensor the config implies, hold an extra one, or one of the wrong shape or dtype. */
        INVALID_WEIGHTS("invalid_weights", Kind.INVALID_MODEL),
        /** tokenizer.json does not load, or does not fit the model's vocabulary. */
        INVALID_TOKENIZER("invalid_tokenizer", Kind.INVALID_MODEL),
        /** The chat template does not render a sample conversation as the trainer needs it. */
        INVALID_CHAT_TEMPLATE("invalid_chat_template", Kind.INVALID_MODEL),
        /** The smoke forward pass failed or produced non-finite logits. */
        SMOKE_TEST_FAILED("smoke_test_failed", Kind.INVALID_MODEL),
        /** The id is taken by a model with other content, and the request did not ask to replace it. */
        MODEL_EXISTS("model_exists", Kind.CONFLICT),
        /** Local storage failed (disk full, permissions). */
        STORAGE_ERROR("storage_error", Kind.INTERNAL);

        private final String code;
        private final Kind kind;

        Code(String code, Kind kind) {
            this.code = code;
            this.kind = kind;
        }

        /** The snake_case form used in error bodies and {@code model_imports.error_code}. */
        public String code() {
            return code;
        }

        public Kind kind() {
            return kind;
        }
    }

    /** Who can fix a failure; an HTTP front end maps these to 400, 404, 401/403, 502, 422, 409 and 500. */
    public enum Kind {
        INVALID_REQUEST,
        NOT_FOUND,
        UNAUTHORIZED,
        UPSTREAM,
        INVALID_MODEL,
        CONFLICT,
        INTERNAL
    }

    private final Code code;
    private final String field;

    /**
     * @param field the request field, config field, tensor or file at fault; null when the failure is about nothing
     *     narrower than the whole import
     */
    public ModelImportException(Code code, String field, String message) {
        this(code, field, message, null);
    }

    public ModelImportException(Code code, String field, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.field = field;
    }

    public Code code() {
        return code;
    }

    /** The request field, config field, tensor or file at fault, or null. */
    public String field() {
        return field;
    }
}
