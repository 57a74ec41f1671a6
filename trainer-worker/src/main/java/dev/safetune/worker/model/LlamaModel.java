package dev.safetune.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Llama-style decoder in plain DJL NDArrays, with Hugging Face tensor names and layouts so that
 * {@code LlamaForCausalLM} checkpoints load unchanged:
 *
 * <pre>
 *   h₀ = E[x]
 *   a  = h + W_o · Attn(RoPE(W_q · RMSNorm(h)), RoPE(W_k · …), W_v · …)     causal, grouped-query
 *   h' = a + W_down · (SiLU(W_gate · RMSNorm(a)) ⊙ W_up · RMSNorm(a))
 *   logits = W_lm · RMSNorm(h_L)          (W_lm = E when tie_word_embeddings)
 *   RMSNorm(x) = x / sqrt(mean(x²) + ε) ⊙ g
 * </pre>
 *
 * <p>The model owns an {@link NDManager} holding its parameters; {@link #close()} frees them. {@link #forward}
 * creates its intermediates in that manager too, so callers run it inside an {@code NDScope} (one per training
 * step), which frees them when it closes. All parameters are trainable (full fine-tuning); projections go through
 * {@link Linear} so an adapter can wrap them later.
 *
 * <p>Right padding needs no attention mask: under the causal mask a real token never attends to a later pad
 * token, and the loss mask ignores the pad positions themselves.
 */
public final class LlamaModel implements AutoCloseable {

    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String WEIGHTS_INDEX_FILE = "model.safetensors.index.json";

    /** Added to the scores of future positions; finite so that softmax never sees −∞ − (−∞). */
    private static final float MASKED_SCORE = -1e9f;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ModelConfig config;
    private final NDManager manager;
    private final NDArray embedTokens;
    private final List<DecoderLayer> layers;
    private final NDArray finalNorm;
    private final Linear lmHead;
    private final RotaryEmbedding rotary;
    private final SequencedMap<String, NDArray> parameters;

    /** One transformer block's modules, HF names in comments. */
    private record DecoderLayer(
            NDArray inputNorm, // input_layernorm
            Linear q, // self_attn.q_proj
            Linear k, // self_attn.k_proj
            Linear v, // self_attn.v_proj
            Linear o, // self_attn.o_proj
            NDArray postAttentionNorm, // post_attention_layernorm
            Linear gate, // mlp.gate_proj
            Linear up, // mlp.up_proj
            Linear down) {} // mlp.down_proj

    private LlamaModel(ModelConfig config, Map<String, NDArray> weights, NDManager manager) {
        this.config = config;
        this.manager = manager;
        this.embedTokens = weights.get("model.embed_tokens.weight");
        List<DecoderLayer> built = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            built.add(new DecoderLayer(
                    weights.get(p + "input_layernorm.weight"),
                    new DenseLinear(weights.get(p + "self_attn.q_proj.weight")),
                    new DenseLinear(weights.get(p + "self_attn.k_proj.weight")),
                    new DenseLinear(weights.get(p + "self_attn.v_proj.weight")),
                    new DenseLinear(weights.get(p + "self_attn.o_proj.weight")),
                    weights.get(p + "post_attention_layernorm.weight"),
                    new DenseLinear(weights.get(p + "mlp.gate_proj.weight")),
                    new DenseLinear(weights.get(p + "mlp.up_proj.weight")),
                    new DenseLinear(weights.get(p + "mlp.down_proj.weight"))));
        }
        this.layers = List.copyOf(built);
        this.finalNorm = weights.get("model.norm.weight");
        this.lmHead = new DenseLinear(config.tieWordEmbeddings() ? embedTokens : weights.get("lm_head.weight"));
        this.rotary = new RotaryEmbedding(config.headDim(), config.ropeTheta());

        SequencedMap<String, NDArray> named = new LinkedHashMap<>();
        for (String name : tensorShapes(config).keySet()) {
            NDArray tensor = weights.get(name);
            // Parameters outlive any step scope that happens to be open while the model is built.
            NDScope.unregister(tensor);
            tensor.setName(name);
            tensor.setRequiresGradient(true);
            named.put(name, tensor);
        }
        this.parameters = Collections.unmodifiableSequencedMap(named);
    }

    /**
     * The tensors a checkpoint of {@code config} holds, with their shapes, in Hugging Face order.
     * {@code lm_head.weight} is absent when the embeddings are tied.
     */
    public static SequencedMap<String, Shape> tensorShapes(ModelConfig config) {
        int d = config.hiddenSize();
        int q = config.numAttentionHeads() * config.headDim();
        int kv = config.numKeyValueHeads() * config.headDim();
        int ff = config.intermediateSize();
        SequencedMap<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new Shape(config.vocabSize(), d));
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "input_layernorm.weight", new Shape(d));
            shapes.put(p + "self_attn.q_proj.weight", new Shape(q, d));
            shapes.put(p + "self_attn.k_proj.weight", new Shape(kv, d));
            shapes.put(p + "self_attn.v_proj.weight", new Shape(kv, d));
            shapes.put(p + "self_attn.o_proj.weight", new Shape(d, q));
            shapes.put(p + "post_attention_layernorm.weight", new Shape(d));
            shapes.put(p + "mlp.gate_proj.weight", new Shape(ff, d));
            shapes.put(p + "mlp.up_proj.weight", new Shape(ff, d));
            shapes.put(p + "mlp.down_proj.weight", new Shape(d, ff));
        }
        shapes.put("model.norm.weight", new Shape(d));
        if (!config.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new Shape(config.vocabSize(), d));
        }
        return shapes;
    }

    /**
     * Loads {@code dir/config.json} and {@code dir/model.safetensors} (or the shards listed in
     * {@code model.safetensors.index.json}) into a new sub-manager of {@code parent}, converting to fp32.
     */
    public static LlamaModel load(Path dir, NDManager parent) throws IOException {
        ModelConfig config = ModelConfig.read(dir);
        NDManager manager = parent.newSubManager();
        try {
            Map<String, NDArray> weights = new LinkedHashMap<>();
            for (Path file : weightFiles(dir)) {
                weights.putAll(SafeTensors.read(file, manager));
            }
            return fromWeights(config, weights, manager);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Builds a model from named weights already in {@code manager}, which the model then owns. Tensors a checkpoint
     * may carry but this model does not use (a tied {@code lm_head}, RoPE buffers) are dropped.
     *
     * @throws IllegalArgumentException naming the first missing, unexpected or mis-shaped tensor
     */
    public static LlamaModel fromWeights(ModelConfig config, Map<String, NDArray> weights, NDManager manager) {
        SequencedMap<String, Shape> expected = tensorShapes(config);
        Map<String, NDArray> used = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> entry : weights.entrySet()) {
            String name = entry.getKey();
            NDArray tensor = entry.getValue();
            if (expected.containsKey(name)) {
                Shape shape = expected.get(name);
                if (!shape.equals(tensor.getShape())) {
                    throw new IllegalArgumentException(
                            "tensor " + name + " has shape " + tensor.getShape() + ", config.json implies " + shape);
                }
                if (tensor.getDataType() != DataType.FLOAT32) {
                    throw new IllegalArgumentException(
                            "tensor " + name + " must be float32, got " + tensor.getDataType());
                }
                used.put(name, tensor);
            } else if ((name.equals("lm_head.weight") && config.tieWordEmbeddings())
                    || name.endsWith(".rotary_emb.inv_freq")) {
                tensor.close();
            } else {
                throw new IllegalArgumentException("unexpected tensor " + name + " for a " + ModelConfig.ARCHITECTURE);
            }
        }
        Set<String> missing = new LinkedHashSet<>(expected.keySet());
        missing.removeAll(used.keySet());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("checkpoint lacks tensor "
                    + missing.iterator().next() + (missing.size() > 1 ? " and " + (missing.size() - 1) + " more" : ""));
        }
        return new LlamaModel(config, used, manager);
    }

    /**
     * Next-token logits.
     *
     * @param tokens {@code [B, T]} token ids (INT64), {@code T ≤ max_position_embeddings}
     * @return {@code [B, T, V]} fp32 logits; position {@code t} scores the token at {@code t + 1}
     */
    public NDArray forward(NDArray tokens) {
        Shape shape = tokens.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("tokens must be [batch, length], got " + shape);
        }
        int length = Math.toIntExact(shape.get(1));
        if (length > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence of " + length + " tokens exceeds max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        // Constants of the graph are arrays that live as long as the caller's scope, never NDArray.mul(Number) and
        // the like: the PyTorch engine wraps Java data without copying, and such a Number operand is freed right
        // after the op while autograd still needs it for the backward pass (a use-after-free that yields NaN
        // gradients after a garbage collection; see LlamaModelTest).
        NDList rope = rotary.tables(manager, 0, length);
        NDArray mask = causalMask(length);
        NDArray scoreScale = manager.create((float) Math.sqrt(config.headDim()));
        NDArray h = embedTokens
                .getNDArrayInternal()
                .embedding(tokens.toType(DataType.INT64, false), embedTokens, SparseFormat.DENSE)
                .singletonOrThrow();
        for (DecoderLayer layer : layers) {
            h = h.add(attention(layer, rmsNorm(h, layer.inputNorm()), rope, mask, scoreScale));
            h = h.add(mlp(layer, rmsNorm(h, layer.postAttentionNorm())));
        }
        return lmHead.forward(rmsNorm(h, finalNorm));
    }

    private NDArray attention(DecoderLayer layer, NDArray x, NDList rope, NDArray mask, NDArray scoreScale) {
        long batch = x.getShape().get(0);
        long length = x.getShape().get(1);
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int headDim = config.headDim();
        // [B, T, heads·d] → [B, heads, T, d]
        NDArray q = layer.q().forward(x).reshape(batch, length, heads, headDim).transpose(0, 2, 1, 3);
        NDArray k =
                layer.k().forward(x).reshape(batch, length, kvHeads, headDim).transpose(0, 2, 1, 3);
        NDArray v =
                layer.v().forward(x).reshape(batch, length, kvHeads, headDim).transpose(0, 2, 1, 3);
        q = rotary.apply(q, rope);
        k = rotary.apply(k, rope);
        if (kvHeads < heads) {
            k = repeatKeyValueHeads(k, heads / kvHeads);
            v = repeatKeyValueHeads(v, heads / kvHeads);
        }
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div(scoreScale).add(mask);
        NDArray context = scores.softmax(-1).matMul(v);
        return layer.o().forward(context.transpose(0, 2, 1, 3).reshape(batch, length, (long) heads * headDim));
    }

    /**
     * Grouped-query attention: query head {@code h} reads key/value head {@code h / groups}, as transformers'
     * {@code repeat_kv} ({@code [B, kv, T, d] → [B, kv, groups, T, d] → [B, kv·groups, T, d]}).
     */
    private static NDArray repeatKeyValueHeads(NDArray x, int groups) {
        Shape s = x.getShape();
        return x.expandDims(2)
                .broadcast(s.get(0), s.get(1), groups, s.get(2), s.get(3))
                .reshape(s.get(0), s.get(1) * groups, s.get(2), s.get(3));
    }

    private static NDArray mlp(DecoderLayer layer, NDArray x) {
        NDArray gate = layer.gate().forward(x);
        NDArray activated = gate.mul(Activation.sigmoid(gate)); // SiLU(x) = x·σ(x)
        return layer.down().forward(activated.mul(layer.up().forward(x)));
    }

    private NDArray rmsNorm(NDArray x, NDArray gain) {
        // add(Number) is safe on the autograd path (its backward does not read the operand); pow(Number) is not.
        NDArray rms = x.square()
                .mean(new int[] {-1}, true)
                .add((float) config.rmsNormEps())
                .sqrt();
        return x.div(rms).mul(gain);
    }

    private NDArray causalMask(int length) {
        float[] mask = new float[length * length];
        for (int row = 0; row < length; row++) {
            for (int col = row + 1; col < length; col++) {
                mask[row * length + col] = MASKED_SCORE;
            }
        }
        return manager.create(mask, new Shape(length, length));
    }

    /** Writes {@code dir/config.json} and {@code dir/model.safetensors}. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        config.write(dir);
        saveWeights(dir.resolve(WEIGHTS_FILE));
    }

    /** Writes the parameters as one F32 safetensors file with Hugging Face names. */
    public void saveWeights(Path file) throws IOException {
        SafeTensors.write(file, parameters);
    }

    /** All parameters by Hugging Face name, in checkpoint order; every one is trainable. */
    public SequencedMap<String, NDArray> parameters() {
        return parameters;
    }

    public ModelConfig config() {
        return config;
    }

    /** The manager owning the parameters; intermediates of {@link #forward} are created here too. */
    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }

    private static List<Path> weightFiles(Path dir) throws IOException {
        Path single = dir.resolve(WEIGHTS_FILE);
        if (Files.isRegularFile(single)) {
            return List.of(single);
        }
        Path index = dir.resolve(WEIGHTS_INDEX_FILE);
        if (!Files.isRegularFile(index)) {
            throw new IllegalArgumentException("no " + WEIGHTS_FILE + " or " + WEIGHTS_INDEX_FILE + " in " + dir);
        }
        Set<String> shards = new LinkedHashSet<>();
        JsonNode weightMap = JSON.readTree(index).path("weight_map");
        for (JsonNode shard : weightMap.values()) {
            shards.add(shard.asString());
        }
        List<Path> files = new ArrayList<>();
        for (String shard : shards) {
            Path file = dir.resolve(shard).normalize();
            if (!file.startsWith(dir.normalize())) {
                throw new IllegalArgumentException(WEIGHTS_INDEX_FILE + " names a shard outside " + dir + ": " + shard);
            }
            files.add(file);
        }
        return files;
    }
}
