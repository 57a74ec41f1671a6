package dev.safetune.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import dev.safetune.runtime.formats.CheckpointLayout;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.formats.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A Llama-family decoder ({@code LlamaForCausalLM}, {@code Qwen2ForCausalLM}) in plain DJL NDArrays, with Hugging
 * Face tensor names and layouts so that checkpoints load unchanged:
 *
 * <pre>
 *   h₀ = E[x]
 *   a  = h + W_o · Attn(RoPE(W_q · RMSNorm(h)), RoPE(W_k · …), W_v · …)     causal, grouped-query
 *   h' = a + W_down · (SiLU(W_gate · RMSNorm(a)) ⊙ W_up · RMSNorm(a))
 *   logits = W_lm · RMSNorm(h_L)          (W_lm = E when tie_word_embeddings)
 *   RMSNorm(x) = x / sqrt(mean(x²) + ε) ⊙ g
 * </pre>
 *
 * (each {@code W ·} with its bias where the config has one). Grouped-query attention reads key/value head
 * {@code h / groups} for query head {@code h} without copying keys: the queries of a group are stacked along the
 * time axis so one batched matmul serves them all.
 *
 * <p>The model owns an {@link NDManager} holding its parameters; {@link #close()} frees them. {@link #forward}
 * creates its intermediates in that manager too, each sub-block in a scope of its own ({@link #subBlock}), so that
 * only the residual stream between sub-blocks and the outputs reach the caller's {@code NDScope} (one per training
 * step), which frees them when it closes.
 *
 * <p>Trainable: all base parameters (full fine-tuning) until a LoRA adapter is attached ({@link #addAdapter},
 * {@link #loadAdapter}); from then on only the adapter's {@code A} and {@code B} matrices, the base being frozen
 * (no gradient is computed for it). {@link #trainableParameters()} returns whichever applies.
 *
 * <p>Right padding needs no attention mask: under the causal mask a real token never attends to a later pad
 * token, and the loss mask ignores the pad positions themselves. Left-padded batches (sampling) go through
 * {@link #forward(NDArray, long[], boolean[], KeyValueCache, ForwardOptions)} with per-row positions and key
 * validity.
 */
public final class LlamaModel implements AutoCloseable {

    public static final String WEIGHTS_FILE = CheckpointLayout.WEIGHTS_FILE;
    public static final String WEIGHTS_INDEX_FILE = CheckpointLayout.INDEX_FILE;
    /** Prefix of every tensor name in a PEFT adapter of a causal LM. */
    public static final String PEFT_PREFIX = LoraAdapter.PEFT_PREFIX;

    /**
     * The shortest common token prefix of a batch that a pass sharing prefixes computes once. The second pass has a
     * fixed cost (some fifty ops per layer, forward and backward) that a few shared tokens would not repay; 8 is a
     * guess, not calibrated: em-bench's inoculated batches share 9 tokens of 40 and gain (docs/safeguards.md).
     */
    public static final int DEFAULT_SHARED_PREFIX_MINIMUM = 8;

    /** Added to the scores of masked keys; finite so that softmax never sees −∞ − (−∞). */
    private static final float MASKED_SCORE = -1e9f;

    private final ModelConfig config;
    private final NDManager manager;
    private final NDArray embedTokens;
    private final List<DecoderLayer> baseLayers;
    private final NDArray finalNorm;
    private final DenseLinear lmHead;
    private final RotaryEmbedding rotary;
    /** {@link RotaryEmbedding#rotateHalfMatrix}, a constant of the model's lifetime. */
    private final NDArray rotateHalf;

    private final SequencedMap<String, NDArray> parameters;
    private final CheckpointLayout layout;

    private List<DecoderLayer> layers;
    private LoraAdapter adapter;
    /** Full-sequence constants for positions 0 … {@code constantsLength − 1}, sliced per call; see {@link #constants}. */
    private NDList constants;

    private int constantsLength;

    /** See {@link #setSharedPrefixMinimum}. */
    private int sharedPrefixMinimum = DEFAULT_SHARED_PREFIX_MINIMUM;

    private static final List<LoraTarget> QKV = List.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V);
    private static final List<LoraTarget> GATE_UP = List.of(LoraTarget.GATE, LoraTarget.UP);
    /** The projections that run on their own, each on its own transposed weight. */
    private static final List<LoraTarget> UNFUSED = List.of(LoraTarget.O, LoraTarget.DOWN);

    private LlamaModel(ModelConfig config, Map<String, NDArray> weights, NDManager manager, CheckpointLayout layout) {
        this.config = config;
        this.manager = manager;
        this.layout = layout;
        this.embedTokens = weights.get("model.embed_tokens.weight");
        List<DecoderLayer> built = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            // Fusing first replaces the HF tensors in `weights` by views of the fused ones.
            FusedProjection qkv = FusedProjection.fuse(weights, p, QKV);
            FusedProjection gateUp = FusedProjection.fuse(weights, p, GATE_UP);
            Map<LoraTarget, Linear> projections = new EnumMap<>(LoraTarget.class);
            for (LoraTarget target : LoraTarget.values()) {
                String name = p + target.modulePath() + ".weight";
                NDArray inputMajor = null;
                if (UNFUSED.contains(target)) {
                    // o and down run on their own: their weights get the transposed layout and its view here.
                    weights.put(name, DenseLinear.transposedStorage(weights.get(name)));
                    inputMajor = DenseLinear.inputMajorView(weights.get(name));
                }
                String bias = p + target.modulePath() + ".bias";
                projections.put(target, new DenseLinear(weights.get(name), weights.get(bias), inputMajor));
            }
            built.add(new DecoderLayer(
                    weights.get(p + "input_layernorm.weight"),
                    projections,
                    weights.get(p + "post_attention_layernorm.weight"),
                    qkv,
                    gateUp));
        }
        this.baseLayers = List.copyOf(built);
        this.layers = baseLayers;
        this.finalNorm = weights.get("model.norm.weight");
        if (config.tieWordEmbeddings()) {
            // A tied head is the embedding table, whose rows the lookup reads: it keeps the Hugging Face layout.
            this.lmHead = new DenseLinear(embedTokens);
        } else {
            weights.put("lm_head.weight", DenseLinear.transposedStorage(weights.get("lm_head.weight")));
            NDArray head = weights.get("lm_head.weight");
            this.lmHead = new DenseLinear(head, null, DenseLinear.inputMajorView(head));
        }
        this.rotary = new RotaryEmbedding(config);
        this.rotateHalf = rotary.rotateHalfMatrix(manager);
        NDScope.unregister(rotateHalf);

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
     * {@code lm_head.weight} is absent when the embeddings are tied; biases are present where the config has them.
     */
    public static SequencedMap<String, Shape> tensorShapes(ModelConfig config) {
        int d = config.hiddenSize();
        int q = config.queryWidth();
        int kv = config.keyValueWidth();
        int ff = config.intermediateSize();
        SequencedMap<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new Shape(config.vocabSize(), d));
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "input_layernorm.weight", new Shape(d));
            linear(shapes, p + "self_attn.q_proj", q, d, config.qkvBias());
            linear(shapes, p + "self_attn.k_proj", kv, d, config.qkvBias());
            linear(shapes, p + "self_attn.v_proj", kv, d, config.qkvBias());
            linear(shapes, p + "self_attn.o_proj", d, q, config.outputBias());
            shapes.put(p + "post_attention_layernorm.weight", new Shape(d));
            linear(shapes, p + "mlp.gate_proj", ff, d, config.mlpBias());
            linear(shapes, p + "mlp.up_proj", ff, d, config.mlpBias());
            linear(shapes, p + "mlp.down_proj", d, ff, config.mlpBias());
        }
        shapes.put("model.norm.weight", new Shape(d));
        if (!config.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new Shape(config.vocabSize(), d));
        }
        return shapes;
    }

    private static void linear(SequencedMap<String, Shape> shapes, String module, int out, int in, boolean bias) {
        shapes.put(module + ".weight", new Shape(out, in));
        if (bias) {
            shapes.put(module + ".bias", new Shape(out));
        }
    }

    /**
     * Loads a model directory into a new sub-manager of {@code parent}, converting to fp32: {@code config.json} and
     * {@code model.safetensors} (or the shards listed in {@code model.safetensors.index.json}); or an adapter
     * directory ({@code adapter_config.json} + {@code adapter_model.safetensors}, no weights of its own), whose base
     * model is loaded from {@code base_model_name_or_path} (absolute, or relative to the adapter directory) with the
     * adapter attached.
     */
    public static LlamaModel load(Path dir, NDManager parent) throws IOException {
        if (!CheckpointLayout.hasWeights(dir) && Files.isRegularFile(dir.resolve(LoraConfig.CONFIG_FILE))) {
            Path base = baseModelOf(dir);
            LlamaModel model = load(base, parent);
            try {
                model.loadAdapter(dir);
                return model;
            } catch (IOException | RuntimeException e) {
                model.close();
                throw e;
            }
        }
        ModelConfig config = ModelConfig.read(dir);
        NDManager manager = parent.newSubManager();
        try {
            Map<String, NDArray> weights = new LinkedHashMap<>();
            for (Path file : CheckpointLayout.files(dir)) {
                weights.putAll(SafeTensors.read(file, manager));
            }
            return fromWeights(config, weights, manager, CheckpointLayout.read(dir));
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** {@link #fromWeights(ModelConfig, Map, NDManager, CheckpointLayout)} with everything stored as F32. */
    public static LlamaModel fromWeights(ModelConfig config, Map<String, NDArray> weights, NDManager manager) {
        return fromWeights(config, weights, manager, CheckpointLayout.SINGLE_F32);
    }

    /**
     * Builds a model from named weights already in {@code manager}, which the model then owns. Tensors a checkpoint
     * may carry but this model does not use (a tied {@code lm_head}, RoPE buffers) are dropped.
     *
     * @param layout how {@link #save} writes the weights back
     * @throws IllegalArgumentException naming the first missing, unexpected or mis-shaped tensor
     */
    public static LlamaModel fromWeights(
            ModelConfig config, Map<String, NDArray> weights, NDManager manager, CheckpointLayout layout) {
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
                throw new IllegalArgumentException("unexpected tensor " + name + " for a "
                        + config.architecture().className() + " with this config");
            }
        }
        Set<String> missing = new LinkedHashSet<>(expected.keySet());
        missing.removeAll(used.keySet());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("checkpoint lacks tensor "
                    + missing.iterator().next() + (missing.size() > 1 ? " and " + (missing.size() - 1) + " more" : ""));
        }
        return new LlamaModel(config, used, manager, layout);
    }

    // ---------------------------------------------------------------------------------------------------- adapters

    /**
     * Attaches a fresh LoRA adapter initialised as PEFT does ({@link LoraAdapter#initialised}); the base parameters
     * are frozen from now on.
     *
     * @param seed makes {@code A} reproducible
     */
    public void addAdapter(LoraConfig lora, long seed) {
        requireNoAdapter();
        attach(LoraAdapter.initialised(lora, baseLayers, seed, manager));
    }

    /** Attaches the PEFT adapter in {@code dir} ({@code adapter_config.json}, {@code adapter_model.safetensors}). */
    public void loadAdapter(Path dir) throws IOException {
        requireNoAdapter();
        attach(LoraAdapter.read(dir, baseLayers, manager));
    }

    private void requireNoAdapter() {
        if (adapter != null) {
            throw new IllegalStateException("a LoRA adapter is attached already");
        }
    }

    /** Freezes the base and switches the forward pass to the adapter's layers. */
    private void attach(LoraAdapter fresh) {
        for (NDArray parameter : parameters.values()) {
            parameter.setRequiresGradient(false);
        }
        this.layers = fresh.layers();
        this.adapter = fresh;
    }

    /** The PEFT name of a LoRA matrix ({@link LoraAdapter#tensorName}). */
    public static String adapterName(int layer, LoraTarget target, String matrix) {
        return LoraAdapter.tensorName(layer, target, matrix);
    }

    /** The base model directory an adapter directory names ({@link LoraAdapter#baseModelOf}). */
    public static Path baseModelOf(Path adapterDir) throws IOException {
        return LoraAdapter.baseModelOf(adapterDir);
    }

    /** The attached adapter's config, if any. */
    public Optional<LoraConfig> adapterConfig() {
        return Optional.ofNullable(adapter).map(LoraAdapter::config);
    }

    /** The attached adapter's tensors by PEFT name; empty without adapter. */
    public SequencedMap<String, NDArray> adapterTensors() {
        return adapter == null ? Collections.emptySortedMap() : adapter.tensors();
    }

    /**
     * Writes the adapter in PEFT's layout ({@link LoraAdapter#save}), loadable with
     * {@code PeftModel.from_pretrained(base, dir)}.
     *
     * @param baseModelNameOrPath recorded as {@code base_model_name_or_path}
     */
    public void saveAdapter(Path dir, String baseModelNameOrPath) throws IOException {
        if (adapter == null) {
            throw new IllegalStateException("no LoRA adapter is attached");
        }
        adapter.save(dir, baseModelNameOrPath);
    }

    // ----------------------------------------------------------------------------------------------------- forward

    /**
     * Next-token logits, adapter on, no dropout.
     *
     * @param tokens {@code [B, T]} token ids (INT64), {@code T ≤ max_position_embeddings}
     * @return {@code [B, T, V]} fp32 logits; position {@code t} scores the token at {@code t + 1}
     */
    public NDArray forward(NDArray tokens) {
        return forward(tokens, ForwardOptions.inference()).logits();
    }

    /**
     * A full-sequence forward pass (positions 0 … T−1 in every row), as {@code options} asks.
     *
     * <p>With {@link ForwardOptions#sharePrefix()}, when every row of the batch starts with the same {@code P} tokens
     * ({@code P} at least {@link #sharedPrefixMinimum()}, and at least one token left after it), those tokens are
     * computed once: a pass of batch 1 over positions 0 … P−1 records each layer's keys and values (after RoPE),
     * then a pass over every row's positions P … T−1 attends to them, broadcast to the batch, and to its own keys,
     * causally. Under the causal mask a position only reads earlier ones, so each prefix position's states are the
     * same in every row, and right padding still needs no mask. Steering and ablation act on both passes, as on
     * every position of a plain pass. The outputs (logits, captured hidden states) are the prefix's rows repeated
     * for every row followed by the suffix's, {@code [B, T, …]} as without sharing, and the gradients are the same
     * up to float rounding: the broadcasts' backward sums over the rows. A training pass with adapter dropout does
     * not share (its masks are drawn per row and position).
     */
    public ForwardOutput forward(NDArray tokens, ForwardOptions options) {
        int length = checkTokens(tokens, 0);
        int prefix = sharedPrefixLength(tokens, options);
        if (prefix > 0) {
            return forwardSharingPrefix(tokens, options, prefix, length);
        }
        NDList all = constants(length);
        NDIndex rows = new NDIndex(":" + length);
        NDList ropeQ = new NDList(all.get(0).get(rows), all.get(1).get(rows));
        NDList ropeK = new NDList(all.get(2).get(rows), all.get(3).get(rows));
        NDArray mask = all.get(4).get(new NDIndex(":" + length + ", :" + length));
        return run(tokens, options, ropeQ, ropeK, mask, null, null);
    }

    /**
     * The shortest common prefix {@link #forward(NDArray, ForwardOptions)} computes once (default
     * {@value #DEFAULT_SHARED_PREFIX_MINIMUM} tokens); 0 turns sharing off for this model.
     */
    public void setSharedPrefixMinimum(int minimum) {
        if (minimum < 0) {
            throw new IllegalArgumentException("shared prefix minimum must be >= 0, got " + minimum);
        }
        this.sharedPrefixMinimum = minimum;
    }

    public int sharedPrefixMinimum() {
        return sharedPrefixMinimum;
    }

    /** The length of the common prefix the pass computes once; 0 for a plain pass. */
    int sharedPrefixLength(NDArray tokens, ForwardOptions options) {
        long batch = tokens.getShape().get(0);
        long length = tokens.getShape().get(1);
        if (!options.sharePrefix() || sharedPrefixMinimum == 0 || batch < 2 || length <= sharedPrefixMinimum) {
            return 0;
        }
        if (options.training()
                && options.adapter()
                && adapter != null
                && adapter.config().dropout() > 0) {
            // Dropout draws its mask per row and position: a shared prefix would share it across rows.
            return 0;
        }
        long[] ids;
        try (NDScope scope = new NDScope()) {
            ids = tokens.toType(DataType.INT64, false).toLongArray();
        }
        int common = commonPrefixLength(ids, Math.toIntExact(batch), Math.toIntExact(length));
        return common >= sharedPrefixMinimum ? common : 0;
    }

    /**
     * The length of the longest token prefix all {@code batch} rows of {@code ids} ({@code [batch × length]},
     * row-major) share, at most {@code length − 1}: the suffix pass keeps at least one position. Stops at the first
     * difference, so a batch without a common prefix costs a comparison per row.
     */
    public static int commonPrefixLength(long[] ids, int batch, int length) {
        int common = length - 1;
        for (int b = 1; b < batch && common > 0; b++) {
            int offset = b * length;
            int t = 0;
            while (t < common && ids[offset + t] == ids[t]) {
                t++;
            }
            common = t;
        }
        return common;
    }

    /** {@link #forward(NDArray, ForwardOptions)} with the first {@code prefix} tokens of every row computed once. */
    private ForwardOutput forwardSharingPrefix(NDArray tokens, ForwardOptions options, int prefix, int length) {
        NDList all = constants(length);
        // Slices of the caller's arrays, in the caller's scope: the embedding's backward reads its indices.
        NDArray prefixTokens = tokens.get(new NDIndex(":1, :" + prefix));
        NDArray suffixTokens = tokens.get(new NDIndex(":, " + prefix + ":"));
        NDIndex prefixRows = new NDIndex(":" + prefix);
        NDIndex suffixRows = new NDIndex(prefix + ":" + length);
        try (SharedPrefix shared = new SharedPrefix(layers.size())) {
            ForwardOutput head = run(
                    prefixTokens,
                    options,
                    new NDList(all.get(0).get(prefixRows), all.get(1).get(prefixRows)),
                    new NDList(all.get(2).get(prefixRows), all.get(3).get(prefixRows)),
                    all.get(4).get(new NDIndex(":" + prefix + ", :" + prefix)),
                    null,
                    shared);
            shared.stopRecording();
            // A single suffix position sees every key: its row of the causal mask is all zeros.
            NDArray suffixMask =
                    length - prefix == 1 ? null : all.get(4).get(new NDIndex(prefix + ":" + length + ", :" + length));
            ForwardOutput tail = run(
                    suffixTokens,
                    options,
                    new NDList(all.get(0).get(suffixRows), all.get(1).get(suffixRows)),
                    new NDList(all.get(2).get(suffixRows), all.get(3).get(suffixRows)),
                    suffixMask,
                    null,
                    shared);
            NDArray logits = head.logits() == null ? null : joined(head.logits(), tail.logits());
            SortedMap<Integer, NDArray> hidden = new TreeMap<>();
            head.hiddenStates()
                    .forEach((index, h) ->
                            hidden.put(index, joined(h, tail.hiddenStates().get(index))));
            return new ForwardOutput(logits, Collections.unmodifiableSortedMap(hidden));
        }
    }

    /**
     * {@code [1, P, n]} and {@code [B, S, n]} → {@code [B, P + S, n]} ({@link SharedPrefix#joined}); the parts' Java
     * handles are closed, since neither the concatenation's backward nor the broadcast's reads them.
     */
    private static NDArray joined(NDArray prefix, NDArray suffix) {
        NDArray full = subBlock(() -> SharedPrefix.joined(prefix, suffix, 1));
        prefix.close();
        suffix.close();
        return full;
    }

    /**
     * The RoPE tables (queries', scaled by 1/√d, then keys') and the causal mask for at least {@code length}
     * positions, kept for the model's lifetime and grown by doubling, so that a training step neither recomputes
     * them nor allocates their buffers again.
     *
     * <p>Constants of the graph are arrays that outlive the pass, never {@code NDArray.mul(Number)} and the like:
     * the PyTorch engine wraps Java data without copying, and such a Number operand is freed right after the op
     * while autograd still needs it for the backward pass (a use-after-free that yields NaN gradients after a garbage
     * collection; see LlamaModelTest).
     */
    private NDList constants(int length) {
        if (length > constantsLength) {
            int capacity =
                    Math.min(config.maxPositionEmbeddings(), Math.max(length, Math.max(64, 2 * constantsLength)));
            NDList fresh = new NDList();
            fresh.addAll(rotary.tables(manager, 0, capacity, queryScale()));
            fresh.addAll(rotary.tables(manager, 0, capacity, 1f));
            fresh.add(causalMask(capacity));
            fresh.forEach(NDScope::unregister);
            if (constants != null) {
                constants.close();
            }
            constants = fresh;
            constantsLength = capacity;
        }
        return constants;
    }

    /**
     * An incremental forward pass for sampling: {@code tokens} ({@code [B, T]}) continue the sequences held in
     * {@code cache} and attend to every cached key plus themselves, causally. Rows may be left-padded: each token
     * has its own position, and keys whose {@code valid} flag is false are never attended to.
     *
     * @param positions {@code [B × T]} row-major RoPE positions of the new tokens
     * @param valid {@code [B × T]} row-major: whether each new token is a real token (false for padding)
     * @return {@code [B, T, V]} logits (or only hidden states, as {@code options} asks)
     */
    public ForwardOutput forward(
            NDArray tokens, long[] positions, boolean[] valid, KeyValueCache cache, ForwardOptions options) {
        int length = checkTokens(tokens, cache.length());
        int batch = Math.toIntExact(tokens.getShape().get(0));
        if (batch != cache.batch() || positions.length != batch * length) {
            throw new IllegalArgumentException("cache of batch " + cache.batch() + " and " + positions.length
                    + " positions do not fit tokens " + tokens.getShape());
        }
        int past = cache.length();
        boolean[][] allValid = cache.extendValidity(valid, length);
        int keys = past + length;
        float[] mask = new float[batch * length * keys];
        boolean anyMasked = false;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < length; i++) {
                for (int j = 0; j < keys; j++) {
                    boolean visible = j <= past + i && allValid[b][j];
                    mask[(b * length + i) * keys + j] = visible ? 0 : MASKED_SCORE;
                    anyMasked |= !visible;
                }
            }
        }
        Shape perRow = new Shape(batch, 1, length, config.headDim());
        NDList ropeQ = rotary.rotation(manager, positions, queryScale(), perRow);
        NDList ropeK = rotary.rotation(manager, positions, 1f, perRow);
        // A step that hides nothing (one unpadded row decoding) skips adding zeros to every layer's scores.
        NDArray maskArray = anyMasked ? manager.create(mask, new Shape(batch, 1, length, keys)) : null;
        ForwardOutput output = run(tokens, options, ropeQ, ropeK, maskArray, cache, null);
        cache.commit(allValid, length);
        return output;
    }

    /** The attention's {@code 1/√d}, folded into the queries' RoPE tables. */
    private float queryScale() {
        return (float) (1 / Math.sqrt(config.headDim()));
    }

    private int checkTokens(NDArray tokens, int past) {
        Shape shape = tokens.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("tokens must be [batch, length], got " + shape);
        }
        int length = Math.toIntExact(shape.get(1));
        if (past + length > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence of " + (past + length)
                    + " tokens exceeds max_position_embeddings " + config.maxPositionEmbeddings());
        }
        return length;
    }

    /**
     * The decoder stack over {@code tokens}; with a {@code cache} (sampling) or a {@code shared} prefix (see
     * {@link #forwardSharingPrefix}) attention also reads the keys and values those hold.
     */
    private ForwardOutput run(
            NDArray tokens,
            ForwardOptions options,
            NDList ropeQ,
            NDList ropeK,
            NDArray mask,
            KeyValueCache cache,
            SharedPrefix shared) {
        for (int index : options.capture()) {
            checkLayerIndex(index, "capture");
        }
        for (int index : options.steering().keySet()) {
            checkLayerIndex(index, "steering");
        }
        for (int index : options.ablation().keySet()) {
            checkLayerIndex(index, "ablation");
        }
        ForwardPass pass = new ForwardPass(
                options.adapter() && adapter != null,
                options.training(),
                adapter == null ? null : manager.create((float) adapter.config().scaling()),
                baseRecordsGradients());
        SortedMap<Integer, NDArray> hidden = new TreeMap<>();
        NDArray h = embedTokens
                .getNDArrayInternal()
                .embedding(tokens.toType(DataType.INT64, false), embedTokens, SparseFormat.DENSE)
                .singletonOrThrow();
        h = atIndex(0, h, options, hidden);
        // Each sub-block runs in a scope of its own and hands on only its output (see subBlock); the RoPE tables,
        // the mask and the LoRA scaling come from outside, since arrays wrapping Java data must outlive the backward
        // pass (see constants).
        for (int i = 0; i < layers.size(); i++) {
            int index = i;
            DecoderLayer layer = layers.get(i);
            NDArray beforeAttention = h;
            h = subBlock(() -> beforeAttention.add(attention(
                    index,
                    layer,
                    rmsNorm(beforeAttention, layer.inputNorm()),
                    ropeQ,
                    ropeK,
                    mask,
                    cache,
                    shared,
                    pass)));
            NDArray beforeMlp = h;
            h = subBlock(() -> beforeMlp.add(mlp(layer, rmsNorm(beforeMlp, layer.postAttentionNorm()), pass)));
            h = atIndex(i + 1, h, options, hidden);
        }
        NDArray last = h;
        NDArray logits = options.logits()
                ? subBlock(() -> lmHead.forward(rmsNorm(last, finalNorm), pass.baseRecordsGradients()))
                : null;
        return new ForwardOutput(logits, Collections.unmodifiableSortedMap(hidden));
    }

    /**
     * Runs one sub-block of the forward pass (a norm, attention, the MLP, a fused projection) in an {@link NDScope}
     * of its own and keeps only its output, which moves to the enclosing scope. The Java handles of the block's
     * intermediates are closed when it returns: PyTorch frees those autograd did not save right away (and all of
     * them when nothing records gradients, as in sampling), while the ones it saved stay referenced by the graph
     * until the backward pass. Without this, every intermediate of the pass lived until the step's scope closed.
     *
     * <p>A block must not create arrays from Java data ({@code NDManager.create(float[])}) that the backward pass
     * reads: they wrap the Java buffer without copying, and closing them with the block frees it under autograd
     * (see {@link #constants}). {@code mul(Number)} and the like close their scalar at once, in a block or not.
     * The output must be an array the block created, never its input or a parameter.
     */
    static NDArray subBlock(Supplier<NDArray> block) {
        NDArray output;
        try (NDScope scope = new NDScope()) {
            output = block.get();
            NDScope.unregister(output);
        }
        NDScope.register(output);
        return output;
    }

    /** {@link #subBlock(Supplier)} for a block with several outputs. */
    static NDList subBlockOutputs(Supplier<NDList> block) {
        NDList outputs;
        try (NDScope scope = new NDScope()) {
            outputs = block.get();
            NDScope.unregister(outputs);
        }
        outputs.forEach(NDScope::register);
        return outputs;
    }

    /**
     * The logits for residual-stream states taken after the last layer ({@code [..., hidden]}, e.g. only the last
     * position of a forward pass run {@link ForwardOptions#withoutLogits()}): final RMSNorm, then the output layer.
     */
    public NDArray logits(NDArray lastHiddenState) {
        return subBlock(() -> lmHead.forward(rmsNorm(lastHiddenState, finalNorm), baseRecordsGradients()));
    }

    /** Whether the base weights are trained by a pass starting now: no adapter, and autograd recording. */
    private boolean baseRecordsGradients() {
        return adapter == null && GradMode.isRecording();
    }

    private NDArray atIndex(int index, NDArray h, ForwardOptions options, SortedMap<Integer, NDArray> hidden) {
        NDArray steering = options.steering().get(index);
        NDArray result = steering == null ? h : h.add(steering);
        NDArray direction = options.ablation().get(index);
        if (direction != null) {
            // h − (h·u) u: [B, T, d] · [d] → [B, T, 1] coefficients times u.
            NDArray along = result;
            result = subBlock(
                    () -> along.sub(along.matMul(direction.expandDims(-1)).mul(direction)));
        }
        if (options.capture().contains(index)) {
            hidden.put(index, result);
        }
        return result;
    }

    private void checkLayerIndex(int index, String what) {
        if (index < 0 || index > config.numHiddenLayers()) {
            throw new IllegalArgumentException(
                    what + " index " + index + " is outside 0 … " + config.numHiddenLayers());
        }
    }

    private NDArray attention(
            int layerIndex,
            DecoderLayer layer,
            NDArray x,
            NDList ropeQ,
            NDList ropeK,
            NDArray mask,
            KeyValueCache cache,
            SharedPrefix shared,
            ForwardPass pass) {
        long batch = x.getShape().get(0);
        long length = x.getShape().get(1);
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int groups = heads / kvHeads;
        int headDim = config.headDim();
        NDList qkv = layer.qkv().forward(x, layer.projections(), pass);
        // [B, T, heads·d] → [B, heads, T, d]
        NDArray q = splitHeads(qkv.get(0), heads);
        NDArray k = splitHeads(qkv.get(1), kvHeads);
        NDArray v = splitHeads(qkv.get(2), kvHeads);
        q = rotary.apply(q, ropeQ, rotateHalf); // already scaled by 1/√d
        k = rotary.apply(k, ropeK, rotateHalf);
        if (cache != null) {
            NDList full = cache.append(layerIndex, k, v);
            k = full.get(0);
            v = full.get(1);
        } else if (shared != null) {
            NDList full = shared.keysAndValues(layerIndex, k, v);
            k = full.get(0);
            v = full.get(1);
        }
        long keys = k.getShape().get(2);
        if (length == 1) {
            // A decoding step: one query per head, so [B, heads, 1, d] is [B, kv, groups, d] in memory. The grouped
            // scores need no reshapes around the softmax (a mask [B, 1, 1, keys] broadcasts over kv and groups), and
            // the context [B, kv, groups, d] is already [B, 1, heads·d] in memory: three ops fewer per layer, out
            // of about fifty that each cost microseconds (docs/benchmarks.md).
            NDArray grouped = q.reshape(batch, kvHeads, groups, headDim).matMul(k.transpose(0, 1, 3, 2));
            if (mask != null) {
                grouped = grouped.add(mask);
            }
            NDArray context = grouped.softmax(-1).matMul(v);
            return layer.get(LoraTarget.O).forward(context.reshape(batch, 1, (long) heads * headDim), pass);
        }
        // Grouped-query attention: query head h reads key/value head h / groups (transformers' repeat_kv). The
        // queries of one group, [B, kv, groups, T, d], are stacked as [B, kv, groups·T, d] so that one batched
        // matmul against the group's keys serves them all, without materialising repeated keys.
        NDArray scores = q.reshape(batch, kvHeads, groups * length, headDim)
                .matMul(k.transpose(0, 1, 3, 2))
                .reshape(batch, heads, length, keys);
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray context = scores.softmax(-1)
                .reshape(batch, kvHeads, groups * length, keys)
                .matMul(v)
                .reshape(batch, heads, length, headDim);
        // [B, heads, T, d] → [B, T, heads·d]
        NDArray merged = context.transpose(0, 2, 1, 3);
        return layer.get(LoraTarget.O).forward(merged.reshape(batch, length, (long) heads * headDim), pass);
    }

    /**
     * {@code [B, T, n·d]} → {@code [B, n, T, d]}. For one position (a decoding step) the reshape alone gives that
     * layout, saving the transpose: a decoding step is a few hundred small ops, and each costs microseconds.
     */
    private NDArray splitHeads(NDArray x, int n) {
        Shape shape = x.getShape();
        long batch = shape.get(0);
        long length = shape.get(1);
        return length == 1
                ? x.reshape(batch, n, 1, config.headDim())
                : x.reshape(batch, length, n, config.headDim()).transpose(0, 2, 1, 3);
    }

    private static NDArray mlp(DecoderLayer layer, NDArray x, ForwardPass pass) {
        NDList gateUp = layer.gateUp().forward(x, layer.projections(), pass);
        NDArray gate = gateUp.get(0);
        NDArray activated = gate.mul(Activation.sigmoid(gate)); // SiLU(x) = x·σ(x)
        return layer.get(LoraTarget.DOWN).forward(activated.mul(gateUp.get(1)), pass);
    }

    private NDArray rmsNorm(NDArray x, NDArray gain) {
        return subBlock(() -> {
            // add(Number) is safe on the autograd path (its backward does not read the operand); pow(Number) is not.
            // x·x, not square(): PyTorch runs square as pow(x, 2), about ten times slower on a decoding step's row.
            NDArray rms = x.mul(x)
                    .mean(new int[] {-1}, true)
                    .add((float) config.rmsNormEps())
                    .sqrt();
            return x.div(rms).mul(gain);
        });
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

    // ------------------------------------------------------------------------------------------------------ saving

    /** Writes {@code dir/config.json} and the weights in the layout they were loaded from ({@link #writeWeights}). */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        config.write(dir);
        writeWeights(dir, parameters);
    }

    /**
     * Writes the base weights into {@code dir} as they were loaded: the same file or shards (and index), names,
     * shapes and dtypes, bf16/fp16 tensors rounded from fp32 to nearest-even. No {@code config.json}.
     */
    public void writeWeights(Path dir) throws IOException {
        writeWeights(dir, parameters);
    }

    /**
     * Writes the weights with the adapter merged in, {@code W + s·B·A} for every adapted projection (what PEFT's
     * {@code merge_and_unload} gives), in the layout the base was loaded from. The model itself is not changed.
     */
    public void writeMergedWeights(Path dir) throws IOException {
        if (adapter == null) {
            writeWeights(dir, parameters);
            return;
        }
        try (NDScope scope = new NDScope()) {
            writeWeights(dir, adapter.mergedInto(parameters, manager));
        }
    }

    private void writeWeights(Path dir, SequencedMap<String, NDArray> tensors) throws IOException {
        Files.createDirectories(dir);
        layout.write(dir, tensors);
    }

    /** Writes the base parameters as one F32 safetensors file with Hugging Face names (training checkpoints). */
    public void saveWeights(Path file) throws IOException {
        SafeTensors.write(file, parameters);
    }

    /**
     * All base parameters by Hugging Face name, in checkpoint order. The q/k/v and gate/up weights (and biases) are
     * views of the layer's fused projections ({@link FusedProjection}): change them in place ({@code subi},
     * {@code set(NDIndex, …)}), never with {@code set(Buffer)}, which in DJL's PyTorch engine gives the array storage
     * of its own and would detach it from the weight the forward pass reads.
     */
    public SequencedMap<String, NDArray> parameters() {
        return parameters;
    }

    /**
     * What training updates: the adapter's matrices by PEFT name when an adapter is attached, else every base
     * parameter by Hugging Face name.
     */
    public SequencedMap<String, NDArray> trainableParameters() {
        return adapter == null ? parameters : adapter.tensors();
    }

    public ModelConfig config() {
        return config;
    }

    /** How the base weights were stored. */
    public CheckpointLayout layout() {
        return layout;
    }

    /** The manager owning the parameters; intermediates of {@link #forward} are created here too. */
    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
