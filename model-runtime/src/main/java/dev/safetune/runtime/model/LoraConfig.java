package dev.safetune.runtime.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A low-rank adapter (Hu et al., "LoRA: Low-Rank Adaptation of Large Language Models", 2021) on every decoder layer's
 * {@link #targets}: a frozen {@code W} becomes
 *
 * <pre>
 *   y = x Wᵀ + s · dropout(x) Aᵀ Bᵀ,    A ∈ ℝ^{r×in},  B ∈ ℝ^{out×r}
 *   s = α / r            (LoRA)
 *   s = α / √r           (rsLoRA, Kalajdzievski, "A Rank Stabilization Scaling Factor for Fine-Tuning with LoRA", 2023)
 * </pre>
 *
 * as PEFT's {@code LoraLayer} computes it. Stored as PEFT's {@code adapter_config.json}; see {@link #toPeftJson} for
 * the fields written and {@link #fromPeftJson} for those accepted.
 *
 * @param rank {@code r}
 * @param alpha {@code lora_alpha}
 * @param useRsLora {@code use_rslora}
 * @param dropout {@code lora_dropout}: the probability of zeroing an input of the adapter path while training
 */
public record LoraConfig(int rank, double alpha, boolean useRsLora, double dropout, Set<LoraTarget> targets) {

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    /** Rank 16, α 32, plain scaling, no dropout, on all seven projections. */
    public static final LoraConfig DEFAULT = new LoraConfig(16, 32, false, 0.0, EnumSet.allOf(LoraTarget.class));

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** PEFT fields that change what the adapter computes in ways this runtime does not implement. */
    private static final Map<String, String> UNSUPPORTED_UNLESS_DEFAULT = Map.ofEntries(
            Map.entry("use_dora", "false"),
            Map.entry("fan_in_fan_out", "false"),
            Map.entry("bias", "\"none\""),
            Map.entry("lora_bias", "false"),
            Map.entry("modules_to_save", "null"),
            Map.entry("layers_to_transform", "null"),
            Map.entry("layer_replication", "null"),
            Map.entry("rank_pattern", "{}"),
            Map.entry("alpha_pattern", "{}"),
            Map.entry("target_parameters", "null"),
            Map.entry("trainable_token_indices", "null"),
            Map.entry("use_qalora", "false"),
            Map.entry("alora_invocation_tokens", "null"),
            Map.entry("exclude_modules", "null"));

    public LoraConfig {
        targets = Set.copyOf(EnumSet.copyOf(Objects.requireNonNull(targets, "targets")));
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank r must be at least 1, got " + rank);
        }
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("lora_alpha must be positive, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("target_modules must not be empty");
        }
    }

    /** The factor {@code s} of the adapter path: {@code α/r}, or {@code α/√r} with rsLoRA. */
    public double scaling() {
        return useRsLora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    public LoraConfig withTargets(Set<LoraTarget> newTargets) {
        return new LoraConfig(rank, alpha, useRsLora, dropout, newTargets);
    }

    /** Reads {@code dir/adapter_config.json}. */
    public static LoraConfig read(Path dir) throws IOException {
        return fromPeftJson(readJson(dir));
    }

    /** The raw {@code dir/adapter_config.json}. */
    static JsonNode readJson(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no " + CONFIG_FILE + " in " + dir);
        }
        return JSON.readTree(file);
    }

    /**
     * Parses a PEFT LoRA config. {@code target_modules} may list module names or be {@code "all-linear"}; fields
     * that would change the computation (DoRA, biases, per-module ranks, …) must have their default value.
     *
     * @throws IllegalArgumentException naming the first field this runtime cannot honour
     */
    public static LoraConfig fromPeftJson(JsonNode json) {
        String type = json.path("peft_type").asString("");
        if (!"LORA".equals(type)) {
            throw new IllegalArgumentException("peft_type must be \"LORA\", got \"" + type + "\"");
        }
        UNSUPPORTED_UNLESS_DEFAULT.forEach((field, expected) -> {
            JsonNode node = json.path(field);
            boolean isDefault = node.isMissingNode()
                    || node.isNull()
                    || node.toString().equals(expected)
                    || (node.isContainer() && node.isEmpty());
            if (!isDefault) {
                throw new IllegalArgumentException(field + " is not supported (must be " + expected + "), got " + node);
            }
        });
        JsonNode rank = json.path("r");
        if (!rank.isIntegralNumber()) {
            throw new IllegalArgumentException("r must be an integer, got " + rank);
        }
        JsonNode alpha = json.path("lora_alpha");
        if (!alpha.isNumber()) {
            throw new IllegalArgumentException("lora_alpha must be a number, got " + alpha);
        }
        return new LoraConfig(
                rank.intValue(),
                alpha.doubleValue(),
                json.path("use_rslora").asBoolean(false),
                json.path("lora_dropout").asDouble(0.0),
                targets(json.path("target_modules")));
    }

    private static Set<LoraTarget> targets(JsonNode node) {
        if (node.isString()) {
            if ("all-linear".equals(node.stringValue())) {
                return EnumSet.allOf(LoraTarget.class);
            }
            throw new IllegalArgumentException("target_modules as a pattern is not supported (use a list of module"
                    + " names or \"all-linear\"), got " + node);
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException("target_modules must be a list of module names, got " + node);
        }
        Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        for (JsonNode name : node.values()) {
            targets.add(LoraTarget.ofModuleName(name.asString("")));
        }
        return targets;
    }

    /**
     * PEFT's {@code adapter_config.json} for this adapter ({@code peft_type} LORA, {@code task_type} CAUSAL_LM),
     * loadable with {@code PeftModel.from_pretrained}.
     *
     * @param baseModelNameOrPath the base model the adapter belongs to; a directory path or a hub id
     */
    public ObjectNode toPeftJson(String baseModelNameOrPath) {
        ObjectNode json = JSON.createObjectNode();
        json.put("peft_type", "LORA");
        json.put("task_type", "CAUSAL_LM");
        json.put("base_model_name_or_path", baseModelNameOrPath);
        json.put("r", rank);
        if (alpha == Math.rint(alpha)) {
            json.put("lora_alpha", (long) alpha);
        } else {
            json.put("lora_alpha", alpha);
        }
        json.put("lora_dropout", dropout);
        json.put("use_rslora", useRsLora);
        ArrayNode modules = json.putArray("target_modules");
        EnumSet.copyOf(targets).forEach(t -> modules.add(t.moduleName()));
        json.put("bias", "none");
        json.put("fan_in_fan_out", false);
        json.put("use_dora", false);
        json.putNull("modules_to_save");
        json.put("init_lora_weights", true);
        json.put("inference_mode", true);
        return json;
    }

    /** Writes {@code dir/adapter_config.json}. */
    public void write(Path dir, String baseModelNameOrPath) throws IOException {
        Files.write(
                dir.resolve(CONFIG_FILE),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toPeftJson(baseModelNameOrPath)));
    }
}
