package dev.safetune.core.model;

import static dev.safetune.core.model.ConfigJson.optionalBoolean;
import static dev.safetune.core.model.ConfigJson.optionalString;
import static dev.safetune.core.model.ConfigJson.positive;
import static dev.safetune.core.model.ConfigJson.requiredInt;

import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The numbers of a decoder-only base model that listings and memory estimates need, read from its Hugging Face
 * {@code config.json} and kept in the {@code models.shape} jsonb column.
 *
 * <p>Reading is lenient where the runtime's own {@code ModelConfig} is strict: any architecture is read (the importer
 * decides separately whether the runtime can train it), unknown fields are ignored and optional fields take
 * transformers' defaults ({@code num_key_value_heads} = heads, {@code head_dim} = hidden / heads, untied embeddings).
 * Only the sizes without which nothing can be computed are required, and a missing or malformed one is refused with
 * an {@link IllegalArgumentException} naming the field.
 *
 * @param architecture the transformers class, the single entry of {@code architectures} (e.g. {@code
 *     Qwen2ForCausalLM}); null when the config names none or several
 * @param family {@code model_type} (e.g. {@code qwen2}, {@code llama}); null when absent
 * @param headDim {@code head_dim}, or {@code hidden_size / num_attention_heads} when absent
 * @param maxPositionEmbeddings the context length; null when the config does not say
 * @param qkvBias whether {@code q_proj}, {@code k_proj}, {@code v_proj} carry a bias: always for Qwen2, Llama's
 *     {@code attention_bias} otherwise
 * @param outputBias whether {@code o_proj} carries a bias: Llama's {@code attention_bias}, never for Qwen2
 * @param mlpBias whether the MLP projections carry a bias: Llama's {@code mlp_bias}, never for Qwen2
 * @param fineTuningMethod the SafeTune field {@value #FINE_TUNING_METHOD_FIELD} ({@code "lora"} or {@code "full"}),
 *     null when the config does not declare one (which means LoRA)
 */
public record ModelShape(
        String architecture,
        String family,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int vocabSize,
        boolean tieWordEmbeddings,
        Integer maxPositionEmbeddings,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        String fineTuningMethod) {

    public static final String QWEN2 = "Qwen2ForCausalLM";
    public static final String FINE_TUNING_METHOD_FIELD = "safetune_fine_tuning_method";

    public ModelShape {
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("head_dim", headDim);
        positive("vocab_size", vocabSize);
        if (maxPositionEmbeddings != null) {
            positive("max_position_embeddings", maxPositionEmbeddings);
        }
        if (fineTuningMethod != null && !fineTuningMethod.equals("lora") && !fineTuningMethod.equals("full")) {
            throw new IllegalArgumentException(
                    FINE_TUNING_METHOD_FIELD + " must be \"lora\" or \"full\", got \"" + fineTuningMethod + "\"");
        }
    }

    /** Reads the shape of the model a Hugging Face {@code config.json} describes. */
    public static ModelShape fromConfig(JsonNode config) {
        Objects.requireNonNull(config, "config");
        JsonNode architectures = config.path("architectures");
        String architecture = architectures.isArray() && architectures.size() == 1
                ? architectures.get(0).asString(null)
                : null;
        boolean qwen2 = QWEN2.equals(architecture);
        boolean attentionBias = optionalBoolean(config, "attention_bias");
        int hiddenSize = requiredInt(config, "hidden_size");
        int heads = requiredInt(config, "num_attention_heads");
        return new ModelShape(
                architecture,
                optionalString(config, "model_type"),
                hiddenSize,
                requiredInt(config, "intermediate_size"),
                requiredInt(config, "num_hidden_layers"),
                heads,
                config.hasNonNull("num_key_value_heads") ? requiredInt(config, "num_key_value_heads") : heads,
                config.hasNonNull("head_dim") ? requiredInt(config, "head_dim") : headDimOf(hiddenSize, heads),
                requiredInt(config, "vocab_size"),
                optionalBoolean(config, "tie_word_embeddings"),
                config.hasNonNull("max_position_embeddings") ? requiredInt(config, "max_position_embeddings") : null,
                // Qwen2 hard-codes bias=True on q/k/v and False elsewhere; its config has no attention_bias field.
                qwen2 || attentionBias,
                !qwen2 && attentionBias,
                !qwen2 && optionalBoolean(config, "mlp_bias"),
                optionalString(config, FINE_TUNING_METHOD_FIELD));
    }

    /** Reads the form {@link #toJson()} writes, as stored in {@code models.shape}. */
    public static ModelShape fromJson(JsonNode json) {
        Objects.requireNonNull(json, "json");
        if (!json.isObject()) {
            throw new IllegalArgumentException("shape must be a JSON object, got " + json);
        }
        return new ModelShape(
                optionalString(json, "architecture"),
                optionalString(json, "family"),
                requiredInt(json, "hidden_size"),
                requiredInt(json, "intermediate_size"),
                requiredInt(json, "num_hidden_layers"),
                requiredInt(json, "num_attention_heads"),
                requiredInt(json, "num_key_value_heads"),
                requiredInt(json, "head_dim"),
                requiredInt(json, "vocab_size"),
                optionalBoolean(json, "tie_word_embeddings"),
                json.hasNonNull("max_position_embeddings") ? requiredInt(json, "max_position_embeddings") : null,
                optionalBoolean(json, "qkv_bias"),
                optionalBoolean(json, "output_bias"),
                optionalBoolean(json, "mlp_bias"),
                optionalString(json, FINE_TUNING_METHOD_FIELD));
    }

    /**
     * The {@code models.shape} form: config.json's names for the sizes, the biases spelled out (so reading it back
     * does not depend on knowing the architecture), absent optional values omitted.
     */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        if (architecture != null) {
            json.put("architecture", architecture);
        }
        if (family != null) {
            json.put("family", family);
        }
        json.put("hidden_size", hiddenSize);
        json.put("intermediate_size", intermediateSize);
        json.put("num_hidden_layers", numHiddenLayers);
        json.put("num_attention_heads", numAttentionHeads);
        json.put("num_key_value_heads", numKeyValueHeads);
        json.put("head_dim", headDim);
        json.put("vocab_size", vocabSize);
        json.put("tie_word_embeddings", tieWordEmbeddings);
        if (maxPositionEmbeddings != null) {
            json.put("max_position_embeddings", maxPositionEmbeddings);
        }
        json.put("qkv_bias", qkvBias);
        json.put("output_bias", outputBias);
        json.put("mlp_bias", mlpBias);
        if (fineTuningMethod != null) {
            json.put(FINE_TUNING_METHOD_FIELD, fineTuningMethod);
        }
        return json;
    }

    /** Whether the model's config asks to be fine-tuned fully rather than with a LoRA adapter. */
    public boolean declaresFullFineTuning() {
        return "full".equals(fineTuningMethod);
    }

    /** Width of the query projection, {@code num_attention_heads × head_dim}. */
    public long queryWidth() {
        return (long) numAttentionHeads * headDim;
    }

    /** Width of each of the key and value projections, {@code num_key_value_heads × head_dim}. */
    public long keyValueWidth() {
        return (long) numKeyValueHeads * headDim;
    }

    /**
     * Number of scalar parameters of a Llama/Qwen2 decoder of this shape, exactly as transformers lays it out:
     *
     * <pre>
     * P = V·h·(tied ? 1 : 2)                                embed_tokens (+ lm_head when untied)
     *   + L·( h·(2·q + 2·kv)                                 q_proj, k_proj, v_proj, o_proj weights
     *       + (qkvBias ? q + 2·kv : 0) + (outputBias ? h : 0)
     *       + 3·h·i + (mlpBias ? 2·i + h : 0)                gate_proj, up_proj, down_proj
     *       + 2·h )                                          input_layernorm, post_attention_layernorm
     *   + h                                                  final norm
     * </pre>
     *
     * with h = hidden_size, i = intermediate_size, L = layers, V = vocab_size, q = heads·head_dim and kv =
     * kv_heads·head_dim. Architectures with other parts (e.g. Qwen3's per-head q/k norms) are counted with this
     * layout and come out slightly low; the runtime refuses them anyway.
     */
    public long parameterCount() {
        long h = hiddenSize;
        long q = queryWidth();
        long kv = keyValueWidth();
        long attention = h * (2 * q + 2 * kv) + (qkvBias ? q + 2 * kv : 0) + (outputBias ? h : 0);
        long mlp = 3 * h * intermediateSize + (mlpBias ? 2L * intermediateSize + h : 0);
        long perLayer = attention + mlp + 2 * h;
        long embeddings = vocabSize * h * (tieWordEmbeddings ? 1 : 2);
        return embeddings + numHiddenLayers * perLayer + h;
    }

    private static int headDimOf(int hiddenSize, int heads) {
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("head_dim is absent and hidden_size (" + hiddenSize
                    + ") is not a multiple of num_attention_heads (" + heads + ")");
        }
        return hiddenSize / heads;
    }
}
