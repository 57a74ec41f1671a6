package dev.safetune.worker.registry;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a base model is imported from: a Hugging Face Hub repository at a revision ({@code hf:<repo_id>[@<revision>]})
 * or a local directory in the Hugging Face layout ({@code dir:<path>}).
 */
public sealed interface ImportSource {

    /** The source as {@link #parse} reads it. */
    String spec();

    /** The id a model from this source gets when the request names none (see {@link BaseModelId#derive}). */
    String defaultModelId();

    /**
     * A Hub repository. The revision is a branch, tag or commit; it is resolved to a commit before anything is
     * downloaded, and the commit is what provenance records.
     */
    record Hub(String repoId, String revision) implements ImportSource {
        public static final String DEFAULT_REVISION = "main";

        /**
         * The Hub's own rule for repo ids ({@code huggingface_hub.utils.validate_repo_id}): an optional namespace and a
         * name of letters, digits, {@code -_.}, neither starting or ending with {@code -} or {@code .}, no {@code --}
         * or {@code ..}, at most 96 characters each.
         */
        private static final Pattern PART = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?");

        public Hub {
            Objects.requireNonNull(repoId, "repoId");
            Objects.requireNonNull(revision, "revision");
            String[] parts = repoId.split("/", -1);
            boolean valid = parts.length <= 2 && !repoId.contains("--") && !repoId.contains("..");
            for (String part : parts) {
                valid &= PART.matcher(part).matches();
            }
            if (!valid) {
                throw new ModelImportException(
                        ModelImportException.Code.INVALID_SOURCE,
                        "source",
                        "\"" + repoId + "\" is not a Hugging Face repo id (expected <namespace>/<name>, e.g."
                                + " Qwen/Qwen2.5-0.5B-Instruct)");
            }
            // A revision ends up in a URL path segment (percent-encoded) and in provenance; control characters
            // and whitespace are never part of a branch, tag or commit name.
            if (revision.isEmpty()
                    || revision.length() > 256
                    || !revision.chars().allMatch(c -> c > 0x20 && c != 0x7F)) {
                throw new ModelImportException(
                        ModelImportException.Code.INVALID_SOURCE,
                        "source",
                        "revision \"" + revision + "\" is not a branch, tag or commit name");
            }
        }

        @Override
        public String spec() {
            return "hf:" + repoId + "@" + revision;
        }

        @Override
        public String defaultModelId() {
            return BaseModelId.derive(repoId.substring(repoId.lastIndexOf('/') + 1));
        }
    }

    /** A local directory holding {@code config.json}, the tokenizer and safetensors weights. */
    record Directory(Path path) implements ImportSource {
        public Directory {
            path = Objects.requireNonNull(path, "path").toAbsolutePath().normalize();
        }

        @Override
        public String spec() {
            return "dir:" + path;
        }

        @Override
        public String defaultModelId() {
            Path name = path.getFileName();
            if (name == null) {
                throw new ModelImportException(
                        ModelImportException.Code.INVALID_MODEL_ID,
                        "model_id",
                        "no model id can be derived from " + path + "; name one");
            }
            return BaseModelId.derive(name.toString());
        }
    }

    /**
     * Reads {@code hf:<repo_id>[@<revision>]} (revision {@value Hub#DEFAULT_REVISION} when absent) or
     * {@code dir:<path>}.
     *
     * @throws ModelImportException with code {@code invalid_source} naming what is wrong
     */
    static ImportSource parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new ModelImportException(
                    ModelImportException.Code.INVALID_SOURCE,
                    "source",
                    "source is required: hf:<repo_id>[@<revision>] or dir:<path>");
        }
        if (spec.startsWith("hf:")) {
            String rest = spec.substring(3);
            int at = rest.indexOf('@');
            return at < 0
                    ? new Hub(rest, Hub.DEFAULT_REVISION)
                    : new Hub(rest.substring(0, at), rest.substring(at + 1));
        }
        if (spec.startsWith("dir:")) {
            String path = spec.substring(4);
            if (path.isBlank()) {
                throw new ModelImportException(
                        ModelImportException.Code.INVALID_SOURCE, "source", "dir: needs a path, e.g. dir:/models/qwen");
            }
            return new Directory(Path.of(path));
        }
        throw new ModelImportException(
                ModelImportException.Code.INVALID_SOURCE,
                "source",
                "source must start with hf: or dir:, got \"" + spec + "\"");
    }
}
