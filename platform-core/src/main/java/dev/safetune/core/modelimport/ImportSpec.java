package dev.safetune.core.modelimport;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The syntax of a base-model import request, checked where the request arrives (the admin API) so that a malformed
 * one is refused at once instead of failing minutes later on a worker: a source {@code hf:<repo_id>[@<revision>]} or
 * {@code dir:<absolute path>}, an optional model id, and whether it may replace other content under that id.
 *
 * <p>The rules are those of the worker's importer ({@code dev.safetune.worker.registry.ImportSource} and
 * {@code BaseModelId}), which parses the stored source again when it runs; {@code ImportSpecAgreementTest} in the
 * worker holds the two to the same answers. One difference is deliberate: a {@code dir:} path must be absolute here,
 * because it is read on a worker whose working directory the requester cannot know.
 *
 * @param source the source in canonical form: {@code hf:<repo_id>@<revision>} (revision {@value #DEFAULT_REVISION}
 *     when absent) or {@code dir:<normalised absolute path>}
 * @param modelId the id to register the model under; empty means the worker derives it from the source
 * @param replace whether the import may replace a model of that id with other content
 */
public record ImportSpec(String source, Optional<String> modelId, boolean replace) {
    public static final String DEFAULT_REVISION = "main";
    public static final int MAX_MODEL_ID_LENGTH = 96;

    /**
     * The Hub's own rule for repo ids ({@code huggingface_hub.utils.validate_repo_id}): an optional namespace and a
     * name of letters, digits, {@code -_.}, neither starting nor ending with {@code -} or {@code .}, at most 96
     * characters each, and no {@code --} or {@code ..} anywhere.
     */
    private static final Pattern REPO_PART = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?");

    /** Model ids appear in fine-tuned model names {@code ft:<base>:<org>:...}, so never a {@code :}. */
    private static final Pattern MODEL_ID =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0," + (MAX_MODEL_ID_LENGTH - 1) + "}");

    public ImportSpec {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(modelId, "modelId");
    }

    /**
     * Checks a request as it arrived.
     *
     * @param modelId null or the requested id
     * @param replace null means false
     * @throws InvalidImportSpecException naming {@code source} or {@code model_id}
     */
    public static ImportSpec parse(String source, String modelId, Boolean replace) {
        return new ImportSpec(
                canonicalSource(source),
                Optional.ofNullable(modelId).map(ImportSpec::checkModelId),
                Boolean.TRUE.equals(replace));
    }

    /**
     * The canonical form of a source.
     *
     * @throws InvalidImportSpecException naming {@code source}
     */
    public static String canonicalSource(String spec) {
        if (spec == null || spec.isBlank()) {
            throw invalidSource("source is required: hf:<repo_id>[@<revision>] or dir:<absolute path>");
        }
        if (spec.startsWith("hf:")) {
            String rest = spec.substring(3);
            int at = rest.indexOf('@');
            String repoId = at < 0 ? rest : rest.substring(0, at);
            String revision = at < 0 ? DEFAULT_REVISION : rest.substring(at + 1);
            return "hf:" + checkRepoId(repoId) + "@" + checkRevision(revision);
        }
        if (spec.startsWith("dir:")) {
            return "dir:" + checkDirectory(spec.substring(4));
        }
        throw invalidSource("source must start with hf: or dir:, got \"" + spec + "\"");
    }

    /**
     * Returns {@code repoId} when it is a Hub repo id.
     *
     * @throws InvalidImportSpecException naming {@code source}
     */
    public static String checkRepoId(String repoId) {
        String[] parts = repoId.split("/", -1);
        boolean valid = parts.length <= 2 && !repoId.contains("--") && !repoId.contains("..");
        for (String part : parts) {
            valid &= REPO_PART.matcher(part).matches();
        }
        if (!valid) {
            throw invalidSource("\"" + repoId + "\" is not a Hugging Face repo id (expected <namespace>/<name>, e.g."
                    + " Qwen/Qwen2.5-0.5B-Instruct)");
        }
        return repoId;
    }

    /**
     * Returns {@code revision} when it can name a branch, tag or commit: it ends up in a URL path segment, and
     * whitespace and control characters are in no such name.
     *
     * @throws InvalidImportSpecException naming {@code source}
     */
    public static String checkRevision(String revision) {
        if (revision.isEmpty() || revision.length() > 256 || !revision.chars().allMatch(c -> c > 0x20 && c != 0x7F)) {
            throw invalidSource("revision \"" + revision + "\" is not a branch, tag or commit name");
        }
        return revision;
    }

    private static String checkDirectory(String path) {
        if (path.isBlank()) {
            throw invalidSource("dir: needs a path, e.g. dir:/models/qwen");
        }
        Path parsed;
        try {
            parsed = Path.of(path);
        } catch (InvalidPathException e) {
            throw invalidSource("\"" + path + "\" is not a path: " + e.getReason());
        }
        if (!parsed.isAbsolute()) {
            throw invalidSource("dir: needs an absolute path (it is read on a worker), got \"" + path + "\"");
        }
        return parsed.normalize().toString();
    }

    /**
     * Returns {@code id} when it is a valid base-model id.
     *
     * @throws InvalidImportSpecException naming {@code model_id}
     */
    public static String checkModelId(String id) {
        if (id == null || !MODEL_ID.matcher(id).matches()) {
            throw new InvalidImportSpecException(
                    "model_id",
                    "model id \"" + id + "\" must be 1 to " + MAX_MODEL_ID_LENGTH
                            + " letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return id;
    }

    private static InvalidImportSpecException invalidSource(String message) {
        return new InvalidImportSpecException("source", message);
    }
}
