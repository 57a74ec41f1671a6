package dev.safetune.worker.registry;

import dev.safetune.core.modelimport.ImportSpec;
import dev.safetune.core.modelimport.InvalidImportSpecException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

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

        public Hub {
            Objects.requireNonNull(repoId, "repoId");
            Objects.requireNonNull(revision, "revision");
            // One rule for the API's check and the importer: platform-core's ImportSpec.
            checked(() -> ImportSpec.checkRepoId(repoId));
            checked(() -> ImportSpec.checkRevision(revision));
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
        // The CLI may name a directory relative to where it runs; the stored (API) form is always absolute.
        String canonical = checked(() -> ImportSpec.canonicalSource(absoluteDirectory(spec)));
        if (canonical.startsWith("hf:")) {
            int at = canonical.indexOf('@'); // repo ids never hold '@'; revisions may
            return new Hub(canonical.substring(3, at), canonical.substring(at + 1));
        }
        return new Directory(Path.of(canonical.substring(4)));
    }

    private static String absoluteDirectory(String spec) {
        if (spec == null || !spec.startsWith("dir:") || spec.substring(4).isBlank()) {
            return spec;
        }
        try {
            return "dir:" + Path.of(spec.substring(4)).toAbsolutePath();
        } catch (InvalidPathException e) {
            return spec; // ImportSpec names the problem
        }
    }

    /** Runs a platform-core syntax check, reporting its refusal as the importer's {@code invalid_source}. */
    private static String checked(Supplier<String> check) {
        try {
            return check.get();
        } catch (InvalidImportSpecException e) {
            throw new ModelImportException(ModelImportException.Code.INVALID_SOURCE, e.field(), e.getMessage());
        }
    }
}
