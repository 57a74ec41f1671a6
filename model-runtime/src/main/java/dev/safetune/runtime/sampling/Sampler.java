package dev.safetune.runtime.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.runtime.model.ForwardOutput;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.IntraOpThreads;
import dev.safetune.runtime.model.KeyValueCache;
import dev.safetune.runtime.model.LlamaModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Continues a batch of prompts of different lengths with a {@link LlamaModel}: temperature and nucleus (top-p)
 * sampling, or greedy decoding, with a {@link KeyValueCache} so that each step feeds one new token per row.
 *
 * <p>Prompts are left-padded to the longest: a row's padding is never attended to, and its real tokens take
 * positions 0, 1, … as if it were alone (as transformers' {@code generate} does with an attention mask), so a
 * prompt's continuation does not depend on what else is in the batch. Each row draws from its own stream split from
 * the seed ({@link #rowStreams}); the same seed gives the same samples.
 *
 * <p>Runs on the calling thread with autograd recording off; every step's arrays live in their own
 * {@link NDScope}. The prompt is read with the engine's intra-op threads; the cached decoding steps run on one
 * thread or on all, whichever the first steps of the generation measure as faster ({@link DecodeThreadTrial}).
 */
public final class Sampler {

    private final LlamaModel model;
    private final int padId;
    private final int decodeThreads;
    private int lastDecodeThreads;

    /** @param padId the token fed for padding (any valid id: padding is masked out) */
    public Sampler(LlamaModel model, int padId) {
        this(model, padId, 0);
    }

    /**
     * @param padId the token fed for padding (any valid id: padding is masked out)
     * @param decodeThreads intra-op threads of the cached decoding steps; 0 lets each generation choose by timing
     *     ({@link DecodeThreadTrial})
     */
    public Sampler(LlamaModel model, int padId, int decodeThreads) {
        if (decodeThreads < 0) {
            throw new IllegalArgumentException("decodeThreads must be >= 0, got " + decodeThreads);
        }
        this.model = model;
        this.padId = padId;
        this.decodeThreads = decodeThreads;
    }

    /**
     * The intra-op thread count the last generation's cached decoding steps settled on: the fixed count, the trial's
     * choice, or 0 when the generation ended before choosing or ran without the cache. For logs and the benchmark.
     */
    public int lastDecodeThreads() {
        return lastDecodeThreads;
    }

    /** Why a row stopped. */
    public enum FinishReason {
        STOP,
        LENGTH
    }

    /**
     * One prompt's continuation.
     *
     * @param tokens the generated tokens, the stop token included when there was one
     */
    public record Completion(int[] tokens, FinishReason finishReason) {}

    /**
     * Generates a continuation for every prompt, with the adapter (if any) applied.
     *
     * @throws IllegalArgumentException for an empty prompt or one that cannot grow by {@code maxNewTokens} within
     *     {@code max_position_embeddings}
     */
    public List<Completion> generate(List<int[]> prompts, SamplingOptions options) {
        GradMode.disableOnThisThread();
        int batch = prompts.size();
        int width = 0;
        for (int[] prompt : prompts) {
            if (prompt.length == 0) {
                throw new IllegalArgumentException("prompts must not be empty");
            }
            width = Math.max(width, prompt.length);
        }
        int limit = model.config().maxPositionEmbeddings();
        if (width + options.maxNewTokens() > limit) {
            throw new IllegalArgumentException("a prompt of " + width + " tokens plus " + options.maxNewTokens()
                    + " new tokens exceeds max_position_embeddings " + limit);
        }
        // The whole (padded) sequence so far: row-major [batch × (width + maxNew)], its validity and positions.
        int capacity = width + options.maxNewTokens();
        long[] tokens = new long[batch * capacity];
        boolean[] valid = new boolean[batch * capacity];
        long[] positions = new long[batch * capacity];
        long[] nextPosition = new long[batch];
        for (int b = 0; b < batch; b++) {
            int[] prompt = prompts.get(b);
            int padding = width - prompt.length;
            for (int j = 0; j < width; j++) {
                boolean real = j >= padding;
                tokens[b * capacity + j] = real ? prompt[j - padding] : padId;
                valid[b * capacity + j] = real;
                positions[b * capacity + j] = real ? j - padding : 0;
            }
            nextPosition[b] = prompt.length;
        }
        RandomGenerator[] random = rowStreams(options.seed(), batch);
        List<List<Integer>> generated = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            generated.add(new ArrayList<>());
        }
        boolean[] finished = new boolean[batch];
        int length = width;
        KeyValueCache cache =
                options.useCache() ? new KeyValueCache(model.config().numHiddenLayers(), batch, capacity) : null;
        DecodeThreadTrial trial =
                decodeThreads > 0 || cache == null ? null : new DecodeThreadTrial(IntraOpThreads.current());
        IntraOpThreads.Limit decoding = null;
        int decodingThreads = 0;
        try {
            for (int step = 0; step < options.maxNewTokens(); step++) {
                // Step 0 reads the prompt on all threads; later steps decode one column each.
                boolean decodingStep = step >= 1 && cache != null;
                if (decodingStep) {
                    int threads = trial == null ? decodeThreads : trial.threadsForNextStep();
                    if (threads != decodingThreads) {
                        if (decoding != null) {
                            decoding.close();
                        }
                        decoding = IntraOpThreads.limitTo(threads);
                        decodingThreads = threads;
                    }
                }
                long started = System.nanoTime();
                float[] logits = options.useCache()
                        ? lastLogits(cache, tokens, positions, valid, capacity, cache.length(), length)
                        : recomputedLastLogits(tokens, positions, valid, capacity, length);
                if (decodingStep && trial != null) {
                    trial.record(System.nanoTime() - started);
                }
                int vocab = logits.length / batch;
                boolean all = true;
                for (int b = 0; b < batch; b++) {
                    int at = b * capacity + length;
                    if (finished[b]) {
                        tokens[at] = padId;
                        valid[at] = false;
                        continue;
                    }
                    int next = choose(Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab), options, random[b]);
                    generated.get(b).add(next);
                    tokens[at] = next;
                    valid[at] = true;
                    positions[at] = nextPosition[b]++;
                    finished[b] = options.stopTokens().contains(next);
                    all &= finished[b];
                }
                length++;
                if (all) {
                    break;
                }
            }
        } finally {
            lastDecodeThreads = trial == null ? decodingThreads : trial.chosen();
            if (decoding != null) {
                decoding.close();
            }
            if (cache != null) {
                cache.close();
            }
        }
        List<Completion> completions = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int[] out = generated.get(b).stream().mapToInt(Integer::intValue).toArray();
            completions.add(new Completion(out, finished[b] ? FinishReason.STOP : FinishReason.LENGTH));
        }
        return completions;
    }

    /** Feeds columns {@code from … to−1} through the cache; the logits of column {@code to−1}, {@code [B × V]}. */
    private float[] lastLogits(
            KeyValueCache cache, long[] tokens, long[] positions, boolean[] valid, int capacity, int from, int to) {
        try (NDScope scope = new NDScope()) {
            return forwardColumns(cache, tokens, positions, valid, capacity, from, to);
        }
    }

    /** Runs the whole sequence so far, columns {@code 0 … to−1}, with a fresh cache (no reuse). */
    private float[] recomputedLastLogits(long[] tokens, long[] positions, boolean[] valid, int capacity, int to) {
        int batch = valid.length / capacity;
        try (KeyValueCache fresh = new KeyValueCache(model.config().numHiddenLayers(), batch, to);
                NDScope scope = new NDScope()) {
            return forwardColumns(fresh, tokens, positions, valid, capacity, 0, to);
        }
    }

    private static final NDIndex LAST_COLUMN =
            new NDIndex().addAllDim().addIndices(-1).addAllDim();

    private float[] forwardColumns(
            KeyValueCache cache, long[] tokens, long[] positions, boolean[] valid, int capacity, int from, int to) {
        int batch = valid.length / capacity;
        int columns = to - from;
        long[] stepTokens = new long[batch * columns];
        long[] stepPositions = new long[batch * columns];
        boolean[] stepValid = new boolean[batch * columns];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(tokens, b * capacity + from, stepTokens, b * columns, columns);
            System.arraycopy(positions, b * capacity + from, stepPositions, b * columns, columns);
            System.arraycopy(valid, b * capacity + from, stepValid, b * columns, columns);
        }
        NDArray input = model.manager().create(stepTokens, new Shape(batch, columns));
        int last = model.config().numHiddenLayers();
        ForwardOutput output = model.forward(
                input,
                stepPositions,
                stepValid,
                cache,
                ForwardOptions.inference().withoutLogits().capturing(last));
        NDArray hidden = output.hiddenStates().get(last).get(LAST_COLUMN);
        return model.logits(hidden).toFloatArray();
    }

    /**
     * The random stream of each row of a batch sampled with {@code seed}: a {@link SplittableRandom} (SplitMix64;
     * Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) seeded with {@code seed},
     * split once per row in row order, so row {@code b}'s stream depends only on the seed and {@code b}, and every
     * draw of every step comes from it.
     *
     * <p>Not {@code new java.util.Random(seed · φ + b)}, as before: that generator's first output barely changes between
     * consecutive seeds, so the rows of a batch drew nearly the same first token (5 distinct among 200 rows of one
     * prompt, where independent draws give about 49; SamplerDistributionTest).
     */
    static RandomGenerator[] rowStreams(long seed, int batch) {
        SplittableRandom root = new SplittableRandom(seed);
        RandomGenerator[] streams = new RandomGenerator[batch];
        for (int b = 0; b < batch; b++) {
            streams[b] = root.split();
        }
        return streams;
    }

    /** Greedy, or a draw from the temperature-scaled distribution restricted to the top-p nucleus. */
    static int choose(float[] logits, SamplingOptions options, RandomGenerator random) {
        if (options.temperature() == 0) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double[] probabilities = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            probabilities[i] = Math.exp((logits[i] - max) / options.temperature());
            sum += probabilities[i];
        }
        if (options.topP() >= 1) {
            double draw = random.nextDouble() * sum;
            for (int i = 0; i < probabilities.length; i++) {
                draw -= probabilities[i];
                if (draw < 0) {
                    return i;
                }
            }
            return probabilities.length - 1;
        }
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        // Most likely first; equal probabilities by id, so the nucleus does not depend on the sort's stability.
        double[] p = probabilities;
        Arrays.sort(order, (x, y) -> p[x] != p[y] ? Double.compare(p[y], p[x]) : Integer.compare(x, y));
        int kept = 0;
        double cumulative = 0;
        while (kept < order.length && (kept == 0 || cumulative < options.topP() * sum)) {
            cumulative += probabilities[order[kept++]];
        }
        double draw = random.nextDouble() * cumulative;
        for (int i = 0; i < kept; i++) {
            draw -= probabilities[order[i]];
            if (draw < 0) {
                return order[i];
            }
        }
        return order[kept - 1];
    }
}
