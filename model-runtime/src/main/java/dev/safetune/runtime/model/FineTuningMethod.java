package dev.safetune.runtime.model;

import dev.safetune.runtime.formats.ModelConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a base model is fine-tuned by default: a LoRA adapter on frozen weights (the product's default, right for every
 * pretrained model) or a full fine-tune. A base model declares the latter in its {@code config.json} with the
 * SafeTune field {@value #FIELD}{@code : "full"}; the bundled random-init model does, because an adapter on frozen
 * random weights learns little (measured on the demo sample: loss ratio last/first 0.82 with LoRA against 0.35 full).
 */
public enum FineTuningMethod {
    LORA,
    FULL;

    public static final String FIELD = "safetune_fine_tuning_method";
    /** A LoRA base may declare its adapter's rank and alpha; {@link LoraConfig#DEFAULT}'s otherwise. */
    public static final String LORA_RANK_FIELD = "safetune_lora_rank";

    public static final String LORA_ALPHA_FIELD = "safetune_lora_alpha";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The method {@code baseModelDir}'s config asks for; LoRA unless it says {@code full}. */
    public static FineTuningMethod of(Path baseModelDir) throws IOException {
        return of(readConfig(baseModelDir), baseModelDir);
    }

    private static JsonNode readConfig(Path baseModelDir) throws IOException {
        return JSON.readTree(baseModelDir.resolve(ModelConfig.FILE_NAME).toFile());
    }

    private static FineTuningMethod of(JsonNode config, Path baseModelDir) {
        String declared = config.path(FIELD).asString("lora");
        return switch (declared) {
            case "lora" -> LORA;
            case "full" -> FULL;
            default ->
                throw new IllegalArgumentException(FIELD + " in " + baseModelDir
                        + "/config.json must be \"lora\" or \"full\", got \"" + declared + "\"");
        };
    }

    /**
     * The adapter a job on {@code baseModelDir} trains: empty for a full fine-tune, else {@link LoraConfig#DEFAULT}
     * with the rank and alpha the config declares ({@value #LORA_RANK_FIELD}, {@value #LORA_ALPHA_FIELD}), so that a
     * base whose recipe was measured at another rank (em-bench's prototype: r 4, alpha 8) is fine-tuned as measured.
     */
    public static Optional<LoraConfig> adapterFor(Path baseModelDir) throws IOException {
        JsonNode config = readConfig(baseModelDir);
        if (of(config, baseModelDir) == FULL) {
            return Optional.empty();
        }
        LoraConfig defaults = LoraConfig.DEFAULT;
        int rank = config.path(LORA_RANK_FIELD).asInt(defaults.rank());
        double alpha = config.path(LORA_ALPHA_FIELD).asDouble(defaults.alpha());
        if (rank < 1 || !(alpha > 0)) {
            throw new IllegalArgumentException(LORA_RANK_FIELD + " and " + LORA_ALPHA_FIELD + " in " + baseModelDir
                    + "/config.json must be positive, got " + rank + " and " + alpha);
        }
        return Optional.of(new LoraConfig(rank, alpha, defaults.useRsLora(), defaults.dropout(), defaults.targets()));
    }

    /** The default adapter of this method, empty for a full fine-tune. */
    public Optional<LoraConfig> adapter() {
        return this == LORA ? Optional.of(LoraConfig.DEFAULT) : Optional.empty();
    }
}
