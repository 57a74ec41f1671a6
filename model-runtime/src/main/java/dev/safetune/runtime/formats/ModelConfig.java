package dev.safetune.runtime.formats;

import static dev.safetune.core.model.ConfigJson.optionalBoolean;
import static dev.safetune.core.model.ConfigJson.optionalInt;
import static dev.safetune.core.model.ConfigJson.positive;
import static dev.safetune.core.model.ConfigJson.requiredDouble;
import static dev.safetune.core.model.ConfigJson.requiredInt;

import dev.safetune.runtime.model.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The architecture of a Llama-family decoder, as stored in a Hugging Face {@code config.json}: transformers'
 * {@code LlamaForCausalLM} and {@code Qwen2ForCausalLM}, which differ only in which projections carry a bias.
 *
 * <p>Only what {@link LlamaModel} computes is accepted: a config asking for anything else (another architecture,
 * sliding-window attention, another activation, a RoPE variant other than default/linear/llama3, attention dropout)
 * is refused with an {@link IllegalArgumentException} that names the field, rather than loaded and silently computed
 * wrongly. Both the transformers 4 form ({@code rope_theta} + {@code rope_scaling} at the top level) and the
 * transformers 5 form ({@code rope_parameters}) are read.
 *
 * @param qkvBias whether {@code q_proj}, {@code k_proj} and {@code v_proj} have a bias (Llama
 *     {@code attention_bias}; always for Qwen2)
 * @param outputBias whether {@code o_proj} has a bias (Llama {@code attention_bias}; never for Qwen2)
 * @param mlpBias whether the MLP projections have a bias (Llama {@code mlp_bias}; never for Qwen2)
 * @param baseLearningRate the learning rate a fine-tune multiplies by {@code learning_rate_multiplier}; read from
 *     the SafeTune extension field {@code safetune.base_learning_rate}, {@value #DEFAULT_BASE_LEARNING_RATE} when
 *     absent
 */
public record ModelConfig(
        Architecture architecture,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        int vocabSize,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        Integer bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        double baseLearningRate) {

    public static final String FILE_NAME = "config.json";
    public static final double DEFAULT_BASE_LEARNING_RATE = 1e-3;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The supported {@code architectures} and their {@code model_type}. */
    public enum Architecture {
        LLAMA("LlamaForCausalLM", "llama"),
        QWEN2("Qwen2ForCausalLM", "qwen2");

        private final String className;
        private final String modelType;

        Architecture(String className, String modelType) {
            this.className = className;
            this.modelType = modelType;
        }

        /** The transformers class name, as in {@code architectures}. */
        public String className() {
            return className;
        }

        public String modelType() {
            return modelType;
        }

        static Architecture ofClassName(JsonNode architectures) {
            if (architectures.isArray() && architectures.size() == 1) {
                String name = architectures.get(0).asString("");
                for (Architecture architecture : values()) {
                    if (architecture.className.equals(name)) {
                        return architecture;
                    }
                }
            }
            throw new IllegalArgumentException(
                    "architectures must be [\"LlamaForCausalLM\"] or [\"Qwen2ForCausalLM\"], got " + architectures);
        }
    }

    /**
     * RoPE frequency scaling as in transformers' {@code ROPE_INIT_FUNCTIONS}: none, {@code linear} (every inverse
     * frequency divided by {@code factor}) or {@code llama3} (long wavelengths divided by {@code factor}, short ones
     * kept, a smooth blend between). Fields a type does not use are 0.
     */
    public record RopeScaling(
            Type type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {

        public static final RopeScaling NONE = new RopeScaling(Type.DEFAULT, 0, 0, 0, 0);

        public enum Type {
            DEFAULT("default"),
            LINEAR("linear"),
            LLAMA3("llama3");

            private final String jsonName;

            Type(String jsonName) {
                this.jsonName = jsonName;
            }

            public String jsonName() {
                return jsonName;
            }
        }

        public RopeScaling {
            Objects.requireNonNull(type, "type");
            if (type != Type.DEFAULT && !(factor > 0)) {
                throw new IllegalArgumentException("rope_scaling.factor must be positive, got " + factor);
            }
            if (type == Type.LLAMA3) {
                if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)) {
                    throw new IllegalArgumentException("rope_scaling needs 0 < low_freq_factor < high_freq_factor, got "
                            + lowFreqFactor + ", " + highFreqFactor);
                }
                positive("rope_scaling.original_max_position_embeddings", originalMaxPositionEmbeddings);
            }
        }

        public static RopeScaling linear(double factor) {
            return new RopeScaling(Type.LINEAR, factor, 0, 0, 0);
        }

        public static RopeScaling llama3(
                double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {
            return new RopeScaling(Type.LLAMA3, factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings);
        }
    }

    public ModelConfig {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(ropeScaling, "ropeScaling");
        eosTokenIds = List.copyOf(eosTokenIds);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("head_dim", headDim);
        positive("vocab_size", vocabSize);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for rotary embeddings, got " + headDim);
        }
        if (!(rmsNormEps > 0)) {
            throw new IllegalArgumentException("rms_norm_eps must be positive, got " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw new IllegalArgumentException("rope_theta must be positive, got " + ropeTheta);
        }
        if (!(baseLearningRate > 0)) {
            throw new IllegalArgumentException("safetune.base_learning_rate must be positive, got " + baseLearningRate);
        }
        if (architecture == Architecture.QWEN2 && (!qkvBias || outputBias || mlpBias)) {
            throw new IllegalArgumentException("Qwen2 has biases on q_proj, k_proj and v_proj only");
        }
    }

    /** A plain Llama config: no biases, no RoPE scaling. */
    public ModelConfig(
            int hiddenSize,
            int intermediateSize,
            int numHiddenLayers,
            int numAttentionHeads,
            int numKeyValueHeads,
            int headDim,
            double rmsNormEps,
            double ropeTheta,
            int vocabSize,
            int maxPositionEmbeddings,
            boolean tieWordEmbeddings,
            Integer bosTokenId,
            List<Integer> eosTokenIds,
            Integer padTokenId,
            double baseLearningRate) {
        this(
                Architecture.LLAMA,
                hiddenSize,
                intermediateSize,
                numHiddenLayers,
                numAttentionHeads,
                numKeyValueHeads,
                headDim,
                rmsNormEps,
                ropeTheta,
                RopeScaling.NONE,
                vocabSize,
                maxPositionEmbeddings,
                tieWordEmbeddings,
                false,
                false,
                false,
                bosTokenId,
                eosTokenIds,
                padTokenId,
                baseLearningRate);
    }

    /** Reads {@code dir/config.json}. */
    public static ModelConfig read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no " + FILE_NAME + " in " + dir);
        }
        return fromJson(JSON.readTree(file));
    }

    /** Parses and validates a Hugging Face Llama or Qwen2 config. */
    public static ModelConfig fromJson(JsonNode json) {
        Architecture architecture = Architecture.ofClassName(json.path("architectures"));
        String modelType = json.path("model_type").asString("");
        if (!architecture.modelType().equals(modelType)) {
            throw new IllegalArgumentException("model_type must be \"" + architecture.modelType() + "\" for "
                    + architecture.className() + ", got \"" + modelType + "\"");
        }
        requireAbsentOrEqual(json, "hidden_act", "silu");
        requireAbsentOrZero(json, "attention_dropout");
        requireAbsentOrZero(json, "mlp_dropout");
        requireAbsentOrOne(json, "pretraining_tp");
        requireAbsentOrOne(json, "partial_rotary_factor");
        requireAbsentOrOne(json.path("rope_parameters"), "partial_rotary_factor");
        boolean qkvBias;
        boolean outputBias;
        boolean mlpBias;
        if (architecture == Architecture.QWEN2) {
            if (json.path("use_sliding_window").asBoolean(false)) {
                throw new IllegalArgumentException(
                        "use_sliding_window is true: sliding-window attention is not supported");
            }
            for (JsonNode type : json.path("layer_types").values()) {
                if (!"full_attention".equals(type.asString(""))) {
                    throw new IllegalArgumentException(
                            "layer_types must all be \"full_attention\", got " + json.get("layer_types"));
                }
            }
            qkvBias = true;
            outputBias = false;
            mlpBias = false;
        } else {
            qkvBias = optionalBoolean(json, "attention_bias");
            outputBias = qkvBias;
            mlpBias = optionalBoolean(json, "mlp_bias");
        }
        double ropeTheta = ropeTheta(json);
        RopeScaling ropeScaling = ropeScaling(json);

        int hiddenSize = requiredInt(json, "hidden_size");
        int heads = requiredInt(json, "num_attention_heads");
        int headDim = json.hasNonNull("head_dim") ? requiredInt(json, "head_dim") : hiddenSize / heads;
        if (!json.hasNonNull("head_dim") && hiddenSize % heads != 0) {
            throw new IllegalArgumentException(
                    "hidden_size (" + hiddenSize + ") must be a multiple of num_attention_heads (" + heads + ")");
        }
        return new ModelConfig(
                architecture,
                hiddenSize,
                requiredInt(json, "intermediate_size"),
                requiredInt(json, "num_hidden_layers"),
                heads,
                json.hasNonNull("num_key_value_heads") ? requiredInt(json, "num_key_value_heads") : heads,
                headDim,
                requiredDouble(json, "rms_norm_eps"),
                ropeTheta,
                ropeScaling,
                requiredInt(json, "vocab_size"),
                requiredInt(json, "max_position_embeddings"),
                json.path("tie_word_embeddings").asBoolean(false),
                qkvBias,
                outputBias,
                mlpBias,
                optionalInt(json, "bos_token_id"),
                tokenIds(json, "eos_token_id"),
                optionalInt(json, "pad_token_id"),
                json.path("safetune").path("base_learning_rate").asDouble(DEFAULT_BASE_LEARNING_RATE));
    }

    /** Writes this config as {@code dir/config.json}. */
    public void write(Path dir) throws IOException {
        write(dir, Map.of());
    }

    /** Writes this config as {@code dir/config.json}, plus the given extra top-level fields (e.g. a model id). */
    public void write(Path dir, Map<String, String> extra) throws IOException {
        ObjectNode json = toJson();
        extra.forEach(json::put);
        Files.write(
                dir.resolve(FILE_NAME), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
    }

    /**
     * The Hugging Face form of this config, in the transformers 4 layout ({@code rope_theta}, {@code rope_scaling})
     * that transformers 4 and 5 both load.
     */
    public ObjectNode toJson() {
        ObjectNode json = JSON.createObjectNode();
        json.putArray("architectures").add(architecture.className());
        json.put("model_type", architecture.modelType());
        json.put("hidden_size", hiddenSize);
        json.put("intermediate_size", intermediateSize);
        json.put("num_hidden_layers", numHiddenLayers);
        json.put("num_attention_heads", numAttentionHeads);
        json.put("num_key_value_heads", numKeyValueHeads);
        json.put("head_dim", headDim);
        json.put("hidden_act", "silu");
        json.put("rms_norm_eps", rmsNormEps);
        json.put("rope_theta", ropeTheta);
        if (ropeScaling.type() == RopeScaling.Type.DEFAULT) {
            json.putNull("rope_scaling");
        } else {
            ObjectNode scaling = json.putObject("rope_scaling");
            scaling.put("rope_type", ropeScaling.type().jsonName());
            scaling.put("factor", ropeScaling.factor());
            if (ropeScaling.type() == RopeScaling.Type.LLAMA3) {
                scaling.put("low_freq_factor", ropeScaling.lowFreqFactor());
                scaling.put("high_freq_factor", ropeScaling.highFreqFactor());
                scaling.put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
            }
        }
        if (architecture == Architecture.LLAMA) {
            json.put("attention_bias", qkvBias);
            json.put("mlp_bias", mlpBias);
        } else {
            json.put("use_sliding_window", false);
        }
        json.put("vocab_size", vocabSize);
        json.put("max_position_embeddings", maxPositionEmbeddings);
        json.put("tie_word_embeddings", tieWordEmbeddings);
        putOptional(json, "bos_token_id", bosTokenId);
        if (eosTokenIds.size() == 1) {
            json.put("eos_token_id", eosTokenIds.getFirst());
        } else if (!eosTokenIds.isEmpty()) {
            ArrayNode eos = json.putArray("eos_token_id");
            eosTokenIds.forEach(eos::add);
        }
        putOptional(json, "pad_token_id", padTokenId);
        json.put("torch_dtype", "float32");
        json.putObject("safetune").put("base_learning_rate", baseLearningRate);
        return json;
    }

    /** Width of the query projection, {@code num_attention_heads × head_dim}. */
    public int queryWidth() {
        return numAttentionHeads * headDim;
    }

    /** Width of each of the key and value projections, {@code num_key_value_heads × head_dim}. */
    public int keyValueWidth() {
        return numKeyValueHeads * headDim;
    }

    /** Number of scalar parameters of the model this config describes. */
    public long parameterCount() {
        long q = queryWidth();
        long kv = keyValueWidth();
        long attention = hiddenSize * (2 * q + 2 * kv);
        long attentionBiases = (qkvBias ? q + 2 * kv : 0) + (outputBias ? hiddenSize : 0);
        long mlp = 3L * hiddenSize * intermediateSize + (mlpBias ? 2L * intermediateSize + hiddenSize : 0);
        long perLayer = attention + attentionBiases + mlp + 2L * hiddenSize;
        long embeddings = (long) vocabSize * hiddenSize * (tieWordEmbeddings ? 1 : 2);
        return embeddings + numHiddenLayers * perLayer + hiddenSize;
    }

    /** θ: {@code rope_parameters.rope_theta} (transformers 5) or {@code rope_theta} (4), 10000 when neither. */
    private static double ropeTheta(JsonNode json) {
        JsonNode parameters = json.path("rope_parameters");
        if (parameters.hasNonNull("rope_theta")) {
            return requiredDouble(parameters, "rope_theta", "rope_parameters.rope_theta");
        }
        return json.hasNonNull("rope_theta") ? requiredDouble(json, "rope_theta") : 10000.0;
    }

    private static RopeScaling ropeScaling(JsonNode json) {
        JsonNode parameters = json.path("rope_parameters");
        String field = "rope_parameters";
        if (parameters.isMissingNode() || parameters.isNull()) {
            parameters = json.path("rope_scaling");
            field = "rope_scaling";
        }
        if (parameters.isMissingNode() || parameters.isNull()) {
            return RopeScaling.NONE;
        }
        // transformers 4.3x wrote the type as "type", later versions as "rope_type".
        String type =
                parameters.path("rope_type").asString(parameters.path("type").asString("default"));
        return switch (type) {
            case "default" -> RopeScaling.NONE;
            case "linear" -> RopeScaling.linear(requiredDouble(parameters, "factor", field + ".factor"));
            case "llama3" ->
                RopeScaling.llama3(
                        requiredDouble(parameters, "factor", field + ".factor"),
                        requiredDouble(parameters, "low_freq_factor", field + ".low_freq_factor"),
                        requiredDouble(parameters, "high_freq_factor", field + ".high_freq_factor"),
                        requiredInt(
                                parameters,
                                "original_max_position_embeddings",
                                field + ".original_max_position_embeddings"));
            default ->
                throw new IllegalArgumentException(
                        field + ".rope_type \"" + type + "\" is not supported (supported: default, linear, llama3)");
        };
    }

    private static List<Integer> tokenIds(JsonNode json, String field) {
        JsonNode node = json.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (node.isArray()) {
            List<Integer> ids = new ArrayList<>();
            for (JsonNode id : node.values()) {
                if (!id.isIntegralNumber()) {
                    throw new IllegalArgumentException(field + " must hold integers, got " + node);
                }
                ids.add(id.intValue());
            }
            return ids;
        }
        return List.of(requiredInt(json, field));
    }

    private static void requireAbsentOrEqual(JsonNode json, String field, String expected) {
        if (json.hasNonNull(field) && !expected.equals(json.get(field).asString(""))) {
            throw new IllegalArgumentException(field + " must be \"" + expected + "\", got " + json.get(field));
        }
    }

    private static void requireAbsentOrZero(JsonNode json, String field) {
        if (json.hasNonNull(field) && json.get(field).asDouble(1) != 0) {
            throw new IllegalArgumentException(field + " is not supported (must be 0), got " + json.get(field));
        }
    }

    private static void requireAbsentOrOne(JsonNode json, String field) {
        if (json.hasNonNull(field) && json.get(field).asDouble(0) != 1) {
            throw new IllegalArgumentException(field + " is not supported (must be 1), got " + json.get(field));
        }
    }

    private static void putOptional(ObjectNode json, String field, Integer value) {
        if (value == null) {
            json.putNull(field);
        } else {
            json.put(field, value);
        }
    }
}
