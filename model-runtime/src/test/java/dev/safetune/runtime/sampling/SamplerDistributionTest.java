package dev.safetune.runtime.sampling;

import static dev.safetune.runtime.model.HfReference.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.sampling.Sampler.Completion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sampler draws from the model's own distribution: 20,000 first tokens, drawn as 100 batches (seeds 0 … 99) of
 * 200 rows of one prompt (each row with its stream, {@link Sampler#rowStreams}, choosing from the prompt's logits as
 * {@code generate} does), fit the softmax of the prompt's next-token logits at the temperature, restricted to the
 * top-p nucleus and renormalised, by Pearson's χ² test ({@link ChiSquared}). Rows whose random streams are correlated
 * (a batch of 200 holding a dozen distinct first tokens where independent draws give many more) fail it at any
 * sensible level. Qwen2 reference checkpoint, 64 tokens.
 */
class SamplerDistributionTest {

    private static final int[] PROMPT = {5, 9, 2, 60, 33, 7};
    private static final int ROWS = 200;
    private static final int BATCHES = 100;
    private static final double LEVEL = 0.001;

    private static NDManager manager;
    private static LlamaModel model;
    private static double[] logits;
    private static float[] floatLogits;

    @BeforeAll
    static void load() throws IOException {
        manager = NDManager.newBaseManager();
        model = LlamaModel.load(fixture("qwen2-tied"), manager);
        try (NDScope scope = new NDScope()) {
            NDArray tokens =
                    manager.create(Arrays.stream(PROMPT).asLongStream().toArray(), new Shape(1, PROMPT.length));
            floatLogits = model.forward(tokens).get(new NDIndex(0, -1)).toFloatArray();
            logits = IntStream.range(0, floatLogits.length)
                    .mapToDouble(i -> floatLogits[i])
                    .toArray();
        }
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    @ParameterizedTest(name = "temperature {0}, top_p {1}")
    @CsvSource({"1.0, 1.0", "0.5, 1.0", "1.0, 0.8"})
    void batchedFirstTokensFitTheModelsSoftmax(double temperature, double topP) {
        double[] probabilities = expected(temperature, topP);
        long[] observed = new long[logits.length];
        for (int seed = 0; seed < BATCHES; seed++) {
            SamplingOptions options = new SamplingOptions(temperature, topP, seed, 1, Set.of(), true);
            // What generate does for the first token of each row of a batch of one prompt, without 100 forward passes.
            for (RandomGenerator row : Sampler.rowStreams(seed, ROWS)) {
                observed[Sampler.choose(floatLogits, options, row)]++;
            }
        }
        double[] expected =
                Arrays.stream(probabilities).map(p -> p * ROWS * BATCHES).toArray();

        ChiSquared.Result fit = ChiSquared.test(observed, expected);

        for (int token = 0; token < logits.length; token++) {
            if (probabilities[token] == 0) {
                assertThat(observed[token])
                        .as("draws of token %d, outside the nucleus", token)
                        .isZero();
            }
        }
        assertThat(fit.pValue())
                .as("χ² = %.1f on %d degrees of freedom", fit.statistic(), fit.degreesOfFreedom())
                .isGreaterThan(LEVEL);
    }

    @Test
    void oneBatchHoldsAsManyDistinctFirstTokensAsIndependentDrawsWould() {
        double[] probabilities = expected(1.0, 1.0);
        // E[distinct] = Σ_i 1 − (1 − p_i)^n for n independent draws.
        double expectedDistinct =
                Arrays.stream(probabilities).map(p -> 1 - Math.pow(1 - p, ROWS)).sum();
        List<Completion> completions = new Sampler(model, 0)
                .generate(Collections.nCopies(ROWS, PROMPT), new SamplingOptions(1.0, 1.0, 42, 1, Set.of(), true));

        long distinct =
                completions.stream().mapToInt(c -> c.tokens()[0]).distinct().count();

        assertThat((double) distinct).isCloseTo(expectedDistinct, within(0.2 * expectedDistinct));
    }

    @Test
    void theChiSquaredTailMatchesTabulatedQuantiles() {
        // 95th percentiles of χ² with 1, 10 and 63 degrees of freedom.
        assertThat(ChiSquared.upperRegularisedGamma(0.5, 3.841 / 2)).isCloseTo(0.05, within(1e-4));
        assertThat(ChiSquared.upperRegularisedGamma(5, 18.307 / 2)).isCloseTo(0.05, within(1e-4));
        assertThat(ChiSquared.upperRegularisedGamma(31.5, 82.529 / 2)).isCloseTo(0.05, within(1e-4));
    }

    /**
     * The distribution a draw should follow: {@code p_i ∝ exp((z_i − max z) / T)}, then, for top-p below 1, only the
     * most likely tokens whose probabilities first sum to at least {@code topP} (at least one), renormalised.
     */
    private static double[] expected(double temperature, double topP) {
        double max = Arrays.stream(logits).max().orElseThrow();
        double[] p = Arrays.stream(logits)
                .map(z -> Math.exp((z - max) / temperature))
                .toArray();
        double sum = Arrays.stream(p).sum();
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        if (topP < 1) {
            List<Integer> order =
                    new ArrayList<>(IntStream.range(0, p.length).boxed().toList());
            order.sort((x, y) -> Double.compare(p[y], p[x]));
            double cumulative = 0;
            double[] kept = new double[p.length];
            for (int i = 0; i < order.size() && (i == 0 || cumulative < topP); i++) {
                kept[order.get(i)] = p[order.get(i)];
                cumulative += p[order.get(i)];
            }
            for (int i = 0; i < kept.length; i++) {
                kept[i] /= cumulative;
            }
            return kept;
        }
        return p;
    }
}
