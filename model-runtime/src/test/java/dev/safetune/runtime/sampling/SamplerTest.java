package dev.safetune.runtime.sampling;

import static dev.safetune.runtime.model.HfReference.assertClose;
import static dev.safetune.runtime.model.HfReference.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.safetune.runtime.formats.SafeTensors;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.runtime.model.IntraOpThreads;
import dev.safetune.runtime.model.KeyValueCache;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.sampling.Sampler.Completion;
import dev.safetune.runtime.sampling.Sampler.FinishReason;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Sampling with a KV cache on the Qwen2 reference checkpoint (biases, GQA, tied embeddings) with its LoRA adapter. */
class SamplerTest {

    private static final List<int[]> PROMPTS = List.of(new int[] {5, 9, 2, 60, 33, 7}, new int[] {12, 41, 3});

    private static NDManager manager;
    private static LlamaModel model;

    @BeforeAll
    static void load() throws IOException {
        manager = NDManager.newBaseManager();
        model = LlamaModel.load(fixture("qwen2-tied"), manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    /**
     * Feeding a sequence through the cache — a prompt at once, then one token at a time, with one row left-padded —
     * gives the logits of recomputing each row's whole sequence from scratch, whether or not the cache has to grow
     * on the way.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 64})
    void cachedLogitsEqualFullRecomputation(int initialCapacity) {
        long[] sequence = {5, 9, 2, 60, 33, 7, 12, 41, 3, 8};
        try (NDScope scope = new NDScope();
                KeyValueCache cache = new KeyValueCache(2, 2, initialCapacity)) {
            NDArray full = model.forward(manager.create(sequence, new Shape(1, sequence.length)));
            // Row 0: the sequence; row 1: its last 7 tokens after 3 pads, so both rows end together.
            int prompt = 5;
            int pads = 3;
            long[] tokens = new long[2 * prompt];
            long[] positions = new long[2 * prompt];
            boolean[] valid = new boolean[2 * prompt];
            for (int j = 0; j < prompt; j++) {
                tokens[j] = sequence[j];
                positions[j] = j;
                valid[j] = true;
                tokens[prompt + j] = j < pads ? 0 : sequence[j];
                positions[prompt + j] = j < pads ? 0 : j - pads;
                valid[prompt + j] = j >= pads;
            }
            List<NDArray> steps = new java.util.ArrayList<>();
            steps.add(cachedLogits(cache, tokens, positions, valid, prompt));
            for (int t = prompt; t < sequence.length; t++) {
                steps.add(cachedLogits(
                        cache,
                        new long[] {sequence[t], sequence[t]},
                        new long[] {t, t - pads},
                        new boolean[] {true, true},
                        1));
            }
            NDArray incremental = NDArrays.concat(new NDList(steps), 1);

            assertThat(cache.length()).isEqualTo(sequence.length);
            assertClose(incremental.get(new NDIndex("0:1")), full, "row without padding");
            // The padded row holds sequence[3 …] at positions 0 …: the same as running it alone.
            long[] shifted = java.util.Arrays.copyOfRange(sequence, pads, sequence.length);
            NDArray alone = model.forward(manager.create(shifted, new Shape(1, shifted.length)));
            assertClose(incremental.get(new NDIndex("1:2, " + pads + ":")), alone, "left-padded row");
        }
    }

    private static NDArray cachedLogits(
            KeyValueCache cache, long[] tokens, long[] positions, boolean[] valid, int columns) {
        NDArray input = manager.create(tokens, new Shape(2, columns));
        return model.forward(input, positions, valid, cache, ForwardOptions.inference())
                .logits();
    }

    @Test
    void greedyContinuationOfLeftPaddedPromptsMatchesTransformers() throws IOException {
        Map<String, NDArray> expected =
                SafeTensors.read(fixture("qwen2-tied").resolve("expected.safetensors"), manager);
        float[] greedy = expected.get("greedy_ids").toFloatArray();

        List<Completion> completions = new Sampler(model, 0).generate(PROMPTS, SamplingOptions.greedy(6, Set.of()));

        for (int row = 0; row < 2; row++) {
            int[] want = new int[6];
            for (int i = 0; i < 6; i++) {
                want[i] = (int) greedy[row * 6 + i];
            }
            assertThat(completions.get(row).tokens()).as("row %d", row).containsExactly(want);
            assertThat(completions.get(row).finishReason()).isEqualTo(FinishReason.LENGTH);
        }
    }

    @Test
    void sameSeedGivesTheSameSamplesAndAnotherSeedOthers() {
        Sampler sampler = new Sampler(model, 0);
        SamplingOptions options = new SamplingOptions(1.0, 0.95, 42, 12, Set.of(), true);

        List<Completion> first = sampler.generate(PROMPTS, options);
        List<Completion> again = sampler.generate(PROMPTS, options);
        List<Completion> other = sampler.generate(PROMPTS, new SamplingOptions(1.0, 0.95, 43, 12, Set.of(), true));

        for (int row = 0; row < 2; row++) {
            assertThat(again.get(row).tokens()).containsExactly(first.get(row).tokens());
        }
        assertThat(other.get(0).tokens()).isNotEqualTo(first.get(0).tokens());
    }

    @Test
    void aRowsStreamDependsOnlyOnTheSeedAndTheRow() {
        double[] first = draws(Sampler.rowStreams(42, 3)[1]);

        assertThat(draws(Sampler.rowStreams(42, 3)[1])).containsExactly(first);
        assertThat(draws(Sampler.rowStreams(42, 200)[1])).containsExactly(first);
        assertThat(draws(Sampler.rowStreams(42, 3)[2])).isNotEqualTo(first);
        assertThat(draws(Sampler.rowStreams(43, 3)[1])).isNotEqualTo(first);
    }

    private static double[] draws(java.util.random.RandomGenerator stream) {
        return stream.doubles(8).toArray();
    }

    @Test
    void samplingWithoutTheCacheDrawsTheSameTokens() {
        Sampler sampler = new Sampler(model, 0);
        SamplingOptions options = new SamplingOptions(0.8, 0.9, 7, 10, Set.of(), true);

        List<Completion> cached = sampler.generate(PROMPTS, options);
        List<Completion> recomputed = sampler.generate(PROMPTS, options.withoutCache());

        for (int row = 0; row < 2; row++) {
            assertThat(recomputed.get(row).tokens())
                    .containsExactly(cached.get(row).tokens());
        }
    }

    @Test
    void aPromptContinuesTheSameAloneOrInABatch() {
        Sampler sampler = new Sampler(model, 0);
        SamplingOptions options = new SamplingOptions(1.0, 1.0, 5, 8, Set.of(), true);

        List<Completion> batched = sampler.generate(PROMPTS, options);
        // Row 0 of a batch of one draws from the same per-row generator as row 0 of the batch of two.
        List<Completion> alone = sampler.generate(List.of(PROMPTS.get(0)), options);

        assertThat(alone.getFirst().tokens()).containsExactly(batched.getFirst().tokens());
    }

    /**
     * The decoding steps settle on a thread count by timing (see DecodeThreadTrial); the calling thread gets its own
     * count back afterwards, and the tokens are those of decoding on a fixed count.
     */
    @Test
    void decodingChoosesItsThreadsAndRestoresTheThreadCount() {
        int before = IntraOpThreads.current();
        List<int[]> one = List.of(PROMPTS.getFirst());
        SamplingOptions options = new SamplingOptions(1.0, 0.9, 3, 12, Set.of(), true);

        Sampler automaticSampler = new Sampler(model, 0);
        Completion automatic = automaticSampler.generate(one, options).getFirst();
        assertThat(IntraOpThreads.current()).isEqualTo(before);
        assertThat(automaticSampler.lastDecodeThreads()).isIn(1, before);
        Completion engineThreads = new Sampler(model, 0, Math.max(2, before))
                .generate(one, options)
                .getFirst();

        assertThat(IntraOpThreads.current()).isEqualTo(before);
        assertThat(automatic.tokens()).containsExactly(engineThreads.tokens());
        try (IntraOpThreads.Limit limit = IntraOpThreads.limitTo(1)) {
            assertThat(IntraOpThreads.current()).isEqualTo(1);
        }
        assertThat(IntraOpThreads.current()).isEqualTo(before);
    }

    @Test
    void aRowStopsAfterItsStopTokenWhileOthersContinue() {
        Sampler sampler = new Sampler(model, 0);
        List<Completion> greedy = sampler.generate(PROMPTS, SamplingOptions.greedy(6, Set.of()));
        int[] first = greedy.get(0).tokens(); // 26 26 26 17 8 7
        int stop = first[3];
        assertThat(greedy.get(1).tokens()).doesNotContain(stop);

        List<Completion> completions = sampler.generate(PROMPTS, SamplingOptions.greedy(6, Set.of(stop)));

        assertThat(completions.get(0).tokens()).containsExactly(java.util.Arrays.copyOf(first, 4));
        assertThat(completions.get(0).finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(completions.get(1).tokens()).containsExactly(greedy.get(1).tokens());
        assertThat(completions.get(1).finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void aTinyNucleusKeepsOnlyTheMostLikelyToken() {
        float[] logits = {0.1f, 2.5f, 2.4f, -1f};
        SamplingOptions nucleus = new SamplingOptions(1.0, 1e-6, 0, 1, Set.of(), true);
        Random random = new Random(3);

        for (int i = 0; i < 50; i++) {
            assertThat(Sampler.choose(logits, nucleus, random)).isEqualTo(1);
        }
    }

    @Test
    void promptsThatCannotGrowWithinThePositionTableAreRefused() {
        int[] longPrompt = new int[60];

        assertThatThrownBy(
                        () -> new Sampler(model, 0).generate(List.of(longPrompt), SamplingOptions.greedy(10, Set.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max_position_embeddings");
    }
}
