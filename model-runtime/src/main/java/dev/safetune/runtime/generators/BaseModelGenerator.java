package dev.safetune.runtime.generators;

import ai.djl.ndarray.types.Shape;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.formats.SafeTensors;
import dev.safetune.runtime.model.FineTuningMethod;
import dev.safetune.runtime.model.LlamaModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a small randomly initialised Llama base model, a complete Hugging Face model directory:
 * {@code tokenizer.json} and {@code tokenizer_config.json} (byte-level BPE trained on the bundled corpus
 * {@value #CORPUS_RESOURCE}), {@code generation_config.json}, {@code model.safetensors} and, last,
 * {@code config.json} — so a directory with a {@code config.json} is complete.
 *
 * <p>Deterministic: the same seed and shape give byte-identical files. Weights are drawn from N(0, 0.02²) as in
 * transformers' {@code initializer_range}, RMSNorm gains are 1; each tensor has its own {@link Random} seeded from
 * the model seed and the tensor's position, whose Gaussian algorithm is fixed by the JDK specification. No engine
 * is needed: the weights are written straight from Java arrays.
 */
public final class BaseModelGenerator {

    public static final String CORPUS_RESOURCE = "/safetune/tokenizer-corpus.txt";
    public static final String GENERATION_CONFIG_FILE = "generation_config.json";
    /** Enough merges to shorten English and code well below their byte length on the bundled corpus. */
    public static final int BPE_MERGES = 400;

    private static final double INITIALIZER_RANGE = 0.02;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private BaseModelGenerator() {}

    /** The size of the generated decoder; the vocabulary size comes from the tokenizer. */
    public record ModelShape(
            int hiddenSize,
            int numHiddenLayers,
            int numAttentionHeads,
            int numKeyValueHeads,
            int intermediateSize,
            int maxPositionEmbeddings,
            boolean tieWordEmbeddings) {

        /** ≈ 0.9 M parameters: hidden 128, 4 layers, 4 heads on 2 key/value heads, MLP 344. */
        public static final ModelShape DEFAULT = new ModelShape(128, 4, 4, 2, 344, 512, false);
    }

    /** Writes the default-shape model ({@link ModelShape#DEFAULT}) into {@code dir}. */
    public static ModelConfig generate(Path dir, String modelId, long seed) throws IOException {
        return generate(dir, modelId, seed, ModelShape.DEFAULT);
    }

    /**
     * Writes a model of the given shape into {@code dir} (created if needed; files there are replaced).
     *
     * @param modelId recorded as {@code _name_or_path} in {@code config.json}
     * @return the config written
     */
    public static ModelConfig generate(Path dir, String modelId, long seed, ModelShape shape) throws IOException {
        Files.createDirectories(dir);
        int vocabSize = TokenizerGenerator.generate(dir, corpus(), BPE_MERGES, shape.maxPositionEmbeddings());
        int bos = specialTokenId(vocabSize, ChatTokenizer.BEGIN_OF_TEXT);
        int eos = specialTokenId(vocabSize, ChatTokenizer.IM_END);
        int pad = specialTokenId(vocabSize, ChatTokenizer.PAD);
        ModelConfig config = new ModelConfig(
                shape.hiddenSize(),
                shape.intermediateSize(),
                shape.numHiddenLayers(),
                shape.numAttentionHeads(),
                shape.numKeyValueHeads(),
                shape.hiddenSize() / shape.numAttentionHeads(),
                1e-5,
                10000.0,
                vocabSize,
                shape.maxPositionEmbeddings(),
                shape.tieWordEmbeddings(),
                bos,
                List.of(eos),
                pad,
                ModelConfig.DEFAULT_BASE_LEARNING_RATE);

        writeGenerationConfig(dir, bos, eos, pad);
        SafeTensors.write(dir.resolve(LlamaModel.WEIGHTS_FILE), initialWeights(config, seed), SafeTensors.PT_METADATA);
        // Random weights: a full fine-tune is what teaches them anything (see FineTuningMethod).
        config.write(dir, Map.of("_name_or_path", modelId, FineTuningMethod.FIELD, "full"));
        return config;
    }

    /** Command-line entry: {@code BaseModelGenerator <dir> <model-id> <seed>}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: BaseModelGenerator <dir> <model-id> <seed>");
            System.exit(2);
        }
        ModelConfig config = generate(Path.of(args[0]), args[1], Long.parseLong(args[2]));
        System.out.printf(
                "wrote %s (%s): %,d parameters, vocabulary %d%n",
                args[0], args[1], config.parameterCount(), config.vocabSize());
    }

    /** Special tokens take the last ids, in {@link TokenizerGenerator#SPECIAL_TOKENS} order. */
    private static int specialTokenId(int vocabSize, String token) {
        List<String> specials = TokenizerGenerator.SPECIAL_TOKENS;
        return vocabSize - specials.size() + specials.indexOf(token);
    }

    /**
     * The initial weights of a decoder of {@code config}, as written by {@link #generate}: N(0, 0.02²) matrices, unit
     * RMSNorm gains, each tensor from its own seeded {@link Random}; computed lazily when written. Also the starting
     * point of a model pre-trained from scratch (transformers' Llama initialisation).
     */
    public static List<SafeTensors.Entry> initialWeights(ModelConfig config, long seed) {
        List<SafeTensors.Entry> entries = new ArrayList<>();
        int index = 0;
        for (Map.Entry<String, Shape> tensor : LlamaModel.tensorShapes(config).entrySet()) {
            String name = tensor.getKey();
            Shape shape = tensor.getValue();
            long tensorSeed = seed ^ (0x9E3779B97F4A7C15L * ++index);
            entries.add(new SafeTensors.Entry(name, shape, () -> {
                float[] values = new float[Math.toIntExact(shape.size())];
                if (shape.dimension() == 1) {
                    Arrays.fill(values, 1f); // RMSNorm gain
                } else {
                    Random random = new Random(tensorSeed);
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (random.nextGaussian() * INITIALIZER_RANGE);
                    }
                }
                return SafeTensors.Entry.of(name, shape, values).data().get();
            }));
        }
        return entries;
    }

    private static void writeGenerationConfig(Path dir, int bos, int eos, int pad) throws IOException {
        ObjectNode generation = JSON.createObjectNode();
        generation.put("bos_token_id", bos);
        generation.put("eos_token_id", eos);
        generation.put("pad_token_id", pad);
        generation.put("do_sample", true);
        generation.put("temperature", 1.0);
        generation.put("top_p", 1.0);
        Files.write(
                dir.resolve(GENERATION_CONFIG_FILE),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(generation));
    }

    private static String corpus() {
        try (InputStream in = BaseModelGenerator.class.getResourceAsStream(CORPUS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + CORPUS_RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
