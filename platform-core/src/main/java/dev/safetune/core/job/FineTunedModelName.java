package dev.safetune.core.job;

import java.util.regex.Pattern;

/** The OpenAI-style name of a fine-tuned model: {@code ft:<base>:<org>:<suffix>:<job id>}. */
public final class FineTunedModelName {
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");

    private FineTunedModelName() {}

    public static String of(String baseModel, String organizationId, String suffix, String jobId) {
        String cleanSuffix = suffix == null ? "" : UNSAFE.matcher(suffix).replaceAll("-");
        return "ft:" + baseModel + ":" + organizationId + ":" + cleanSuffix + ":" + jobId;
    }

    public static String checkpoint(String modelName, int step) {
        return modelName + ":ckpt-step-" + step;
    }
}
