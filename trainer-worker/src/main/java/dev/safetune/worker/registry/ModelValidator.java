package dev.safetune.worker.registry;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.core.json.JsonSyntaxError;
import dev.safetune.core.model.ModelShape;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.formats.CheckpointLayout;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.formats.SafeTensors;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.worker.registry.ModelImportException.Code;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Decides whether a Hugging Face model directory is one the runtime can fine-tune, before it is listed: each check
 * fails with a {@link ModelImportException} naming the config field, tensor or file at fault.
 *
 * <ol>
 *   <li>{@link #checkConfig}: config.json describes an architecture {@link ModelConfig} accepts (its refusal text
 *       is kept, it names the field) and {@link ModelShape} can read;
 *   <li>{@link #checkWeights}: the safetensors headers (every shard the index names) hold exactly the tensors the
 *       config implies, with its shapes, in a dtype the runtime reads; no tensor is read;
 *   <li>{@link #checkTokenizer}: tokenizer.json loads (DJL's Hugging Face tokenizers), fits the vocabulary, and the
 *       chat template renders and masks a sample conversation the way training and sampling use it;
 *   <li>{@link #smokeTest}: the model loads and a forward pass over the sample's first tokens gives finite logits.
 * </ol>
 */
final class ModelValidator {
    /** Tokens the smoke forward pass runs: enough to exercise attention across positions, cheap on a large model. */
    static final int SMOKE_TOKENS = 8;

    /** Far more than the sample conversation renders to with any tokenizer; the renderer sizes buffers by it. */
    private static final int SAMPLE_MAX_TOKENS = 1024;

    /** What a new model is first asked to render: a system prompt, a question and a trained answer. */
    static final List<ChatMessage> SAMPLE_CONVERSATION = List.of(
            ChatMessage.of(ChatMessage.SYSTEM, "You are a helpful assistant."),
            ChatMessage.of(ChatMessage.USER, "What is the capital of France?"),
            ChatMessage.of(ChatMessage.ASSISTANT, "The capital of France is Paris."));

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern LEADING_FIELD = Pattern.compile("^([A-Za-z_][A-Za-z0-9_.]*)\\b");
    /**
     * Config fields whose refusal means "the runtime does not compute this kind of model" rather than "this config
     * is broken".
     */
    private static final Set<String> ARCHITECTURE_FIELDS = Set.of(
            "architectures",
            "model_type",
            "hidden_act",
            "attention_dropout",
            "mlp_dropout",
            "pretraining_tp",
            "partial_rotary_factor",
            "use_sliding_window",
            "layer_types",
            "rope_scaling.rope_type",
            "rope_parameters.rope_type",
            "rope_parameters.partial_rotary_factor");

    /** A config the runtime accepts, with the facts the registry records. */
    record CheckedConfig(ModelConfig config, ModelShape shape) {}

    /** A tokenizer that loads and renders, with the sample's token ids for the smoke test. */
    record CheckedTokenizer(int vocabularySize, int[] sampleTokens) {}

    private ModelValidator() {}

    static CheckedConfig checkConfig(Path dir) {
        Path file = dir.resolve(ModelConfig.FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new ModelImportException(Code.FILE_NOT_FOUND, ModelConfig.FILE_NAME, "the model has no config.json");
        }
        JsonNode json;
        try {
            json = JSON.readTree(file);
        } catch (JacksonException e) {
            throw new ModelImportException(
                    Code.INVALID_CONFIG,
                    ModelConfig.FILE_NAME,
                    "config.json is not valid JSON: " + JsonSyntaxError.inDocument(e));
        }
        if (!json.isObject()) {
            throw new ModelImportException(Code.INVALID_CONFIG, ModelConfig.FILE_NAME, "config.json is not an object");
        }
        ModelConfig config;
        try {
            config = ModelConfig.fromJson(json);
        } catch (IllegalArgumentException e) {
            String field = leadingField(e.getMessage());
            Code code = field != null && ARCHITECTURE_FIELDS.contains(field)
                    ? Code.UNSUPPORTED_ARCHITECTURE
                    : Code.INVALID_CONFIG;
            throw new ModelImportException(code, field, "config.json: " + e.getMessage(), e);
        }
        ModelShape shape;
        try {
            shape = ModelShape.fromConfig(json);
        } catch (IllegalArgumentException e) {
            throw new ModelImportException(
                    Code.INVALID_CONFIG, leadingField(e.getMessage()), "config.json: " + e.getMessage(), e);
        }
        return new CheckedConfig(config, shape);
    }

    /** The first word of a message when it is a field name, e.g. {@code rope_scaling.factor}. */
    static String leadingField(String message) {
        if (message == null) {
            return null;
        }
        Matcher matcher = LEADING_FIELD.matcher(message);
        if (!matcher.find()) {
            return null;
        }
        String word = matcher.group(1);
        return word.contains("_") || ARCHITECTURE_FIELDS.contains(word) ? word : null;
    }

    /**
     * The shard files {@value CheckpointLayout#INDEX_FILE} in {@code dir} names, in first-appearance order.
     *
     * @throws ModelImportException when the index is unreadable or names a file outside the model directory
     */
    static Set<String> shardsOf(Path dir) {
        Path index = dir.resolve(CheckpointLayout.INDEX_FILE);
        JsonNode weightMap;
        try {
            weightMap = JSON.readTree(index).path("weight_map");
        } catch (JacksonException e) {
            throw new ModelImportException(
                    Code.INVALID_WEIGHTS,
                    CheckpointLayout.INDEX_FILE,
                    CheckpointLayout.INDEX_FILE + " is not valid JSON: " + JsonSyntaxError.inDocument(e));
        }
        if (!weightMap.isObject() || weightMap.isEmpty()) {
            throw new ModelImportException(
                    Code.INVALID_WEIGHTS,
                    CheckpointLayout.INDEX_FILE,
                    CheckpointLayout.INDEX_FILE + " has no weight_map");
        }
        Set<String> shards = new LinkedHashSet<>();
        for (JsonNode shard : weightMap.values()) {
            String name = shard.asString("");
            if (!ModelFiles.isTopLevelName(name) || !name.endsWith(".safetensors")) {
                throw new ModelImportException(
                        Code.INVALID_WEIGHTS,
                        CheckpointLayout.INDEX_FILE,
                        CheckpointLayout.INDEX_FILE + " names \"" + name
                                + "\", which is not a safetensors file in the model directory");
            }
            shards.add(name);
        }
        return shards;
    }

    /**
     * Checks the weights' headers against the config: every tensor {@link LlamaModel#tensorShapes} lists is present
     * once with that shape, nothing else is (except what the loader drops: a tied {@code lm_head}, RoPE buffers),
     * and the index, when there is one, maps each tensor to the shard that holds it.
     */
    static void checkWeights(Path dir, ModelConfig config) {
        SequencedMap<String, Shape> expected = LlamaModel.tensorShapes(config);
        boolean sharded = !Files.isRegularFile(dir.resolve(CheckpointLayout.WEIGHTS_FILE));
        Map<String, String> indexed = sharded ? indexMap(dir) : Map.of();
        List<String> files = sharded ? List.copyOf(shardsOf(dir)) : List.of(CheckpointLayout.WEIGHTS_FILE);
        Map<String, String> foundIn = new LinkedHashMap<>();
        for (String name : files) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new ModelImportException(
                        Code.FILE_NOT_FOUND,
                        name,
                        CheckpointLayout.INDEX_FILE + " names " + name + ", which is missing");
            }
            SafeTensors.Header header;
            try {
                header = SafeTensors.readHeader(file);
            } catch (IOException | RuntimeException e) {
                throw new ModelImportException(
                        Code.INVALID_WEIGHTS, name, name + ": " + e.getMessage().replace(file.toString(), name), e);
            }
            for (SafeTensors.TensorInfo tensor : header.tensors().values()) {
                String tensorName = tensor.name();
                String previous = foundIn.put(tensorName, name);
                if (previous != null) {
                    throw new ModelImportException(
                            Code.INVALID_WEIGHTS,
                            tensorName,
                            "tensor " + tensorName + " is in both " + previous + " and " + name);
                }
                if (sharded && !name.equals(indexed.get(tensorName))) {
                    throw new ModelImportException(
                            Code.INVALID_WEIGHTS,
                            tensorName,
                            "tensor " + tensorName + " is in " + name + " but " + CheckpointLayout.INDEX_FILE
                                    + (indexed.containsKey(tensorName)
                                            ? " maps it to " + indexed.get(tensorName)
                                            : " does not list it"));
                }
                Shape want = expected.get(tensorName);
                if (want == null) {
                    if ((tensorName.equals("lm_head.weight") && config.tieWordEmbeddings())
                            || tensorName.endsWith(".rotary_emb.inv_freq")) {
                        continue;
                    }
                    throw new ModelImportException(
                            Code.INVALID_WEIGHTS,
                            tensorName,
                            "unexpected tensor " + tensorName + " in " + name + " for a "
                                    + config.architecture().className() + " with this config.json");
                }
                Shape actual = new Shape(tensor.shape());
                if (!want.equals(actual)) {
                    throw new ModelImportException(
                            Code.INVALID_WEIGHTS,
                            tensorName,
                            "tensor " + tensorName + " in " + name + " has shape " + actual + ", config.json implies "
                                    + want);
                }
            }
        }
        for (String tensorName : expected.keySet()) {
            if (!foundIn.containsKey(tensorName)) {
                long more = expected.keySet().stream()
                                .filter(t -> !foundIn.containsKey(t))
                                .count()
                        - 1;
                throw new ModelImportException(
                        Code.INVALID_WEIGHTS,
                        tensorName,
                        "the weights lack tensor " + tensorName + (more > 0 ? " and " + more + " more" : "")
                                + " that config.json implies");
            }
        }
        for (String tensorName : indexed.keySet()) {
            if (!foundIn.containsKey(tensorName)) {
                throw new ModelImportException(
                        Code.INVALID_WEIGHTS,
                        tensorName,
                        CheckpointLayout.INDEX_FILE + " maps tensor " + tensorName + " to " + indexed.get(tensorName)
                                + ", which does not hold it");
            }
        }
    }

    private static Map<String, String> indexMap(Path dir) {
        Path index = dir.resolve(CheckpointLayout.INDEX_FILE);
        if (!Files.isRegularFile(index)) {
            throw new ModelImportException(
                    Code.FILE_NOT_FOUND,
                    CheckpointLayout.WEIGHTS_FILE,
                    "the model has neither " + CheckpointLayout.WEIGHTS_FILE + " nor " + CheckpointLayout.INDEX_FILE);
        }
        shardsOf(dir);
        Map<String, String> map = new LinkedHashMap<>();
        try {
            JSON.readTree(index)
                    .path("weight_map")
                    .properties()
                    .forEach(e -> map.put(e.getKey(), e.getValue().asString()));
        } catch (JacksonException e) {
            throw new ModelImportException(
                    Code.INVALID_WEIGHTS,
                    CheckpointLayout.INDEX_FILE,
                    CheckpointLayout.INDEX_FILE + " is not valid JSON: " + JsonSyntaxError.inDocument(e));
        }
        return map;
    }

    /**
     * Loads the tokenizer as training does and renders {@link #SAMPLE_CONVERSATION} through the chat template both
     * ways the runtime uses it: a training example (with the answer masked in) and a generation prompt.
     */
    static CheckedTokenizer checkTokenizer(Path dir, ModelConfig config) {
        if (!Files.isRegularFile(dir.resolve(ChatTokenizer.TOKENIZER_FILE))) {
            throw new ModelImportException(
                    Code.FILE_NOT_FOUND, ChatTokenizer.TOKENIZER_FILE, "the model has no tokenizer.json");
        }
        boolean hasTemplate = hasChatTemplate(dir);
        try (ChatTokenizer tokenizer = loadTokenizer(dir)) {
            if (tokenizer.vocabSize() > config.vocabSize()) {
                throw new ModelImportException(
                        Code.INVALID_TOKENIZER,
                        "vocab_size",
                        "tokenizer.json has token ids up to " + (tokenizer.vocabSize() - 1)
                                + " but config.json vocab_size is " + config.vocabSize());
            }
            if (!hasTemplate
                    && !(tokenizer.specialTokens().contains(ChatTokenizer.IM_START)
                            && tokenizer.specialTokens().contains(ChatTokenizer.IM_END))) {
                throw new ModelImportException(
                        Code.INVALID_CHAT_TEMPLATE,
                        "chat_template",
                        "tokenizer_config.json has no chat_template, and the tokenizer lacks the "
                                + ChatTokenizer.IM_START + "/" + ChatTokenizer.IM_END
                                + " tokens of the ChatML template used in its place");
            }
            RenderedExample example;
            int[] prompt;
            try {
                ChatRenderer renderer = new ChatRenderer(tokenizer, SAMPLE_MAX_TOKENS);
                example = renderer.render(new ChatExample(1, SAMPLE_CONVERSATION))
                        .orElseThrow(() -> new IllegalArgumentException(
                                "the rendering of a sample conversation leaves no assistant token to train on"));
                prompt = renderer.prompt(SAMPLE_CONVERSATION.subList(0, 2));
            } catch (RuntimeException e) {
                if (e instanceof ModelImportException m) {
                    throw m;
                }
                throw new ModelImportException(
                        Code.INVALID_CHAT_TEMPLATE,
                        "chat_template",
                        "the chat template does not render a sample conversation: " + e.getMessage(),
                        e);
            }
            int[] tokens = example.tokens();
            int largest = Math.max(
                    Arrays.stream(tokens).max().orElse(0),
                    Arrays.stream(prompt).max().orElse(0));
            if (largest >= config.vocabSize()) {
                throw new ModelImportException(
                        Code.INVALID_TOKENIZER,
                        "vocab_size",
                        "the sample conversation encodes to token id " + largest + ", beyond config.json vocab_size "
                                + config.vocabSize());
            }
            return new CheckedTokenizer(tokenizer.vocabSize(), tokens);
        }
    }

    private static boolean hasChatTemplate(Path dir) {
        Path file = dir.resolve(ChatTokenizer.TOKENIZER_CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try {
            return JSON.readTree(file).hasNonNull("chat_template");
        } catch (JacksonException e) {
            throw new ModelImportException(
                    Code.INVALID_TOKENIZER,
                    ChatTokenizer.TOKENIZER_CONFIG_FILE,
                    "tokenizer_config.json is not valid JSON: " + JsonSyntaxError.inDocument(e));
        }
    }

    private static ChatTokenizer loadTokenizer(Path dir) {
        try {
            return ChatTokenizer.load(dir);
        } catch (IOException | RuntimeException e) {
            throw new ModelImportException(
                    Code.INVALID_TOKENIZER,
                    ChatTokenizer.TOKENIZER_FILE,
                    "tokenizer.json does not load: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Loads the model and runs the first {@value #SMOKE_TOKENS} tokens of the sample through it: the logits must have
     * shape {@code [1, T, vocab_size]} and be finite. Catches what headers cannot show: NaN or infinite weights,
     * values the engine cannot load.
     */
    static void smokeTest(Path dir, ModelConfig config, int[] sampleTokens) {
        long[] tokens = Arrays.stream(sampleTokens)
                .limit(Math.min(SMOKE_TOKENS, config.maxPositionEmbeddings()))
                .asLongStream()
                .toArray();
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager)) {
            NDArray input = manager.create(tokens, new Shape(1, tokens.length));
            NDArray logits = model.forward(input);
            Shape want = new Shape(1, tokens.length, config.vocabSize());
            if (!logits.getShape().equals(want)) {
                throw new ModelImportException(
                        Code.SMOKE_TEST_FAILED,
                        null,
                        "the smoke forward pass gave logits of shape " + logits.getShape() + ", expected " + want);
            }
            float[] values = logits.toFloatArray();
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    throw new ModelImportException(
                            Code.SMOKE_TEST_FAILED,
                            null,
                            "the smoke forward pass over " + tokens.length + " tokens gave a non-finite logit ("
                                    + values[i] + " at position " + (i / config.vocabSize()) + ", token "
                                    + (i % config.vocabSize()) + "): the weights hold NaN or infinite values");
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ModelImportException m) {
                throw m;
            }
            throw new ModelImportException(
                    Code.SMOKE_TEST_FAILED, null, "the model does not load for a forward pass: " + e.getMessage(), e);
        }
    }
}
