package dev.safetune.worker.registry;

import dev.safetune.core.modelimport.ImportSpec;
import dev.safetune.core.modelimport.InvalidImportSpecException;
import java.util.regex.Pattern;

/**
 * Base-model ids: what customers put in {@code model} when they create a fine-tuning job, and the first part of a
 * fine-tuned model's name {@code ft:<base>:<org>:<suffix>:<job>} ({@link dev.safetune.core.job.FineTunedModelName}).
 * So an id holds only letters, digits, {@code .}, {@code _} and {@code -} (never the {@code :} that separates those
 * parts), starts with a letter or digit and is at most {@value #MAX_LENGTH} characters.
 */
public final class BaseModelId {
    public static final int MAX_LENGTH = ImportSpec.MAX_MODEL_ID_LENGTH;

    private static final Pattern UNSAFE_RUN = Pattern.compile("[^A-Za-z0-9._-]+");

    private BaseModelId() {}

    /**
     * The id for a repository or directory name: unsafe characters become {@code -}, leading punctuation is dropped,
     * the case is kept (customers know {@code Qwen2.5-0.5B-Instruct} by that spelling).
     *
     * @throws ModelImportException when nothing usable is left
     */
    public static String derive(String name) {
        String cleaned = UNSAFE_RUN.matcher(name).replaceAll("-").replaceFirst("^[._-]+", "");
        if (cleaned.length() > MAX_LENGTH) {
            cleaned = cleaned.substring(0, MAX_LENGTH);
        }
        return validate(cleaned);
    }

    /**
     * Returns {@code id} when it is a valid base-model id.
     *
     * @throws ModelImportException with code {@code invalid_model_id} otherwise
     */
    public static String validate(String id) {
        // One rule for the API's check and the importer: platform-core's ImportSpec.
        try {
            return ImportSpec.checkModelId(id);
        } catch (InvalidImportSpecException e) {
            throw new ModelImportException(ModelImportException.Code.INVALID_MODEL_ID, e.field(), e.getMessage());
        }
    }
}
