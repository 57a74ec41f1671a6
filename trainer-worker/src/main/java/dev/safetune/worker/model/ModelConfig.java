package dev.safetune.worker.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The architecture of a Llama-style decoder, as stored in a Hugging Face {@code config.json}.
 *
 * <p>Only what {@link LlamaModel} computes is accepted: a config asking for anything else (another architecture,
 * RoPE scaling, biases, another activation) is refused with an {@link IllegalArgumentException} that names the
 * field, rather than loaded and silently computed wrongly.
 *
 * @param baseLearningRate the learning rate a fine-tune multiplies by {@code learning_rate_multiplier}; read from
 *     the SafeTune extension field {@code safetune.base_learning_rate}, {@value #DEFAULT_BASE_LEARNING_RATE} when
 *     absent
 */
public record ModelConfig(
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

    public static final String FILE_NAME = "config.json";
    public static final String ARCHITECTURE = "LlamaForCausalLM";
    public static final String MODEL_TYPE = "llama";
    public static final double DEFAULT_BASE_LEARNING_RATE = 1e-3;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public ModelConfig {
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
    }

    /** Reads {@code dir/config.json}. */
    public static ModelConfig read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no " + FILE_NAME + " in " + dir);
        }
        return fromJson(JSON.readTree(file));
    }

    /** Parses and validates a Hugging Face Llama config. */
    public static ModelConfig fromJson(JsonNode json) {
        JsonNode architectures = json.path("architectures");
        if (!architectures.isArray()
                || architectures.size() != 1
                || !ARCHITECTURE.equals(architectures.get(0).asString(""))) {
            throw new IllegalArgumentException(
                    "architectures must be [\"" + ARCHITECTURE + "\"], got " + architectures);
        }
        String modelType = json.path("model_type").asString("");
        if (!MODEL_TYPE.equals(modelType)) {
            throw new IllegalArgumentException("model_type must be \"" + MODEL_TYPE + "\", got \"" + modelType + "\"");
        }
        requireAbsentOrEqual(json, "hidden_act", "silu");
        requireFalseIfPresent(json, "attention_bias");
        requireFalseIfPresent(json, "mlp_bias");
        double ropeTheta = ropeTheta(json);

        int hiddenSize = requiredInt(json, "hidden_size");
        int heads = requiredInt(json, "num_attention_heads");
        int headDim = json.hasNonNull("head_dim") ? requiredInt(json, "head_dim") : hiddenSize / heads;
        if (!json.hasNonNull("head_dim") && hiddenSize % heads != 0) {
            throw new IllegalArgumentException(
                    "hidden_size (" + hiddenSize + ") must be a multiple of num_attention_heads (" + heads + ")");
        }
        return new ModelConfig(
                hiddenSize,
                requiredInt(json, "intermediate_size"),
                requiredInt(json, "num_hidden_layers"),
                heads,
                json.hasNonNull("num_key_value_heads") ? requiredInt(json, "num_key_value_heads") : heads,
                headDim,
                requiredDouble(json, "rms_norm_eps"),
                ropeTheta,
                requiredInt(json, "vocab_size"),
                requiredInt(json, "max_position_embeddings"),
                json.path("tie_word_embeddings").asBoolean(false),
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

    /** The Hugging Face form of this config, loadable by transformers' {@code LlamaForCausalLM}. */
    public ObjectNode toJson() {
        ObjectNode json = JSON.createObjectNode();
        json.putArray("architectures").add(ARCHITECTURE);
        json.put("model_type", MODEL_TYPE);
        json.put("hidden_size", hiddenSize);
        json.put("intermediate_size", intermediateSize);
        json.put("num_hidden_layers", numHiddenLayers);
        json.put("num_attention_heads", numAttentionHeads);
        json.put("num_key_value_heads", numKeyValueHeads);
        json.put("head_dim", headDim);
        json.put("hidden_act", "silu");
        json.put("rms_norm_eps", rmsNormEps);
        json.put("rope_theta", ropeTheta);
        json.putNull("rope_scaling");
        json.put("attention_bias", false);
        json.put("mlp_bias", false);
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

    /** Number of scalar parameters of the model this config describes. */
    public long parameterCount() {
        long attention = (long) hiddenSize * headDim * (2L * numAttentionHeads + 2L * numKeyValueHeads);
        long mlp = 3L * hiddenSize * intermediateSize;
        long perLayer = attention + mlp + 2L * hiddenSize;
        long embeddings = (long) vocabSize * hiddenSize * (tieWordEmbeddings ? 1 : 2);
        return embeddings + numHiddenLayers * perLayer + hiddenSize;
    }

    /**
     * transformers 4.x keeps {@code rope_theta} and {@code rope_scaling} at the top level; 5.x nests them as
     * {@code rope_parameters}. Only plain ("default") RoPE is computed here.
     */
    private static double ropeTheta(JsonNode json) {
        JsonNode scaling = json.path("rope_scaling");
        if (!scaling.isMissingNode() && !scaling.isNull() && !isDefaultRope(scaling)) {
            throw new IllegalArgumentException("rope_scaling is not supported yet, got " + scaling);
        }
        JsonNode parameters = json.path("rope_parameters");
        if (!parameters.isMissingNode() && !parameters.isNull()) {
            if (!isDefaultRope(parameters)) {
                throw new IllegalArgumentException("rope_parameters.rope_type is not supported yet, got " + parameters);
            }
            if (parameters.hasNonNull("rope_theta")) {
                return parameters.get("rope_theta").asDouble();
            }
        }
        return json.path("rope_theta").asDouble(10000.0);
    }

    private static boolean isDefaultRope(JsonNode node) {
        String type = node.path("rope_type").asString(node.path("type").asString("default"));
        return "default".equals(type);
    }

    private static int requiredInt(JsonNode json, String field) {
        JsonNode node = json.path(field);
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new IllegalArgumentException(field + " must be an integer, got " + describe(node));
        }
        return node.intValue();
    }

    private static double requiredDouble(JsonNode json, String field) {
        JsonNode node = json.path(field);
        if (!node.isNumber()) {
            throw new IllegalArgumentException(field + " must be a number, got " + describe(node));
        }
        return node.doubleValue();
    }

    private static Integer optionalInt(JsonNode json, String field) {
        return json.hasNonNull(field) ? requiredInt(json, field) : null;
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

    private static void requireFalseIfPresent(JsonNode json, String field) {
        if (json.hasNonNull(field) && json.get(field).asBoolean(true)) {
            throw new IllegalArgumentException(field + " is not supported yet, got " + json.get(field));
        }
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }

    private static String describe(JsonNode node) {
        return node.isMissingNode() ? "nothing (field missing)" : node.toString();
    }

    private static void putOptional(ObjectNode json, String field, Integer value) {
        if (value == null) {
            json.putNull(field);
        } else {
            json.put(field, value);
        }
    }
}
