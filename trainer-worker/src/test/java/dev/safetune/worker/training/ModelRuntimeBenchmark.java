package dev.safetune.worker.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.model.LoraConfig;
import dev.safetune.runtime.model.LoraTarget;
import dev.safetune.runtime.sampling.Sampler;
import dev.safetune.runtime.sampling.SamplingOptions;
import dev.safetune.safeguards.loss.MaskedCrossEntropy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The model runtime's benchmark (not a unit test; surefire does not pick it up). In one run it measures DJL's fp32
 * GEMM peak, training throughput and MFU of three Llama shapes at sequence 256 (full fine-tune and LoRA r 16), and
 * greedy sampling speed with and without the KV cache, and prints a Markdown table (docs/benchmarks.md):
 *
 * <pre>
 *   ./mvnw -B -o -pl trainer-worker -am test-compile exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=dev.safetune.worker.training.ModelRuntimeBenchmark \
 *       -Dexec.args="--peer /tmp/hfvenv/bin/python"
 * </pre>
 *
 * Options: {@code --steps N} measured training steps per row (default 8, after 2 warm-up steps), {@code --shapes
 * 1M,10M} a subset, {@code --new-tokens N} (default 256; sampling is measured for one prompt with and without the
 * cache, and for a batch of 8 with it), {@code --peer PYTHON} also runs
 * {@code src/test/python/hf_peer_benchmark.py} (transformers + PEFT on torch) with that interpreter after the DJL
 * measurements, on the same shapes and settings, and puts its numbers in the same table.
 *
 * <p>Every number is a best case, as {@code timeit} reports: training tokens/s from the fastest measured step (after 2
 * warm-up steps; the log also prints the median and the slowest), sampling from the best of three runs (after a warm-up run), the GEMM peak
 * from the best size and the best of measurements before every shape and at the end. On a shared machine bursts of
 * load from other processes (PyTorch's thread pool stalls when its threads are descheduled) otherwise dominate; on a
 * quiet one best and median differ by a few per cent.
 *
 * <p>MFU = achieved model FLOP/s ÷ the GEMM peak measured in the same run, in two forms: the fastest step against the
 * best GEMM measurement of the run (strict: a machine that drifts lowers it), and paced, the median over the measured
 * steps of each step against a {@link GemmProbe} taken just before and just after it (a ratio under the same machine
 * speed). Model FLOPs per trained token: full
 * {@code 6·N + 12·L·T·d_q}, LoRA {@code 4·N + 6·N_lora + 12·L·T·d_q}, where {@code N} counts the weights of every
 * matmul (all projections and the output layer, not the embedding lookup), {@code d_q} the query width and the
 * attention term the full {@code T × T} score and context matmuls (forward 4·T·d_q per layer and token, backward
 * twice that); LoRA's frozen base needs input gradients but no weight gradients, hence 4·N.
 */
public final class ModelRuntimeBenchmark {

    private static final int BATCH = 8;
    private static final int SEQUENCE = 256;
    private static final int WARMUP_STEPS = 2;
    private static final int PROMPT = 16;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A benchmark shape; {@code intermediate ≈ 8/3 · hidden}, tied embeddings. */
    record Size(String name, int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab) {
        ModelConfig config() {
            return new ModelConfig(
                    hidden,
                    intermediate,
                    layers,
                    heads,
                    kvHeads,
                    hidden / heads,
                    1e-5,
                    10000.0,
                    vocab,
                    SEQUENCE + 320,
                    true,
                    0,
                    List.of(1),
                    2,
                    1e-3);
        }
    }

    /** The shapes of the peer comparison in djl-notes ("the peer to beat"). */
    static final List<Size> SIZES = List.of(
            new Size("1M", 128, 4, 4, 4, 344, 1024),
            new Size("10M", 320, 6, 8, 4, 864, 8192),
            new Size("50M", 640, 8, 10, 5, 1728, 16384));

    static final LoraConfig LORA = new LoraConfig(16, 32, false, 0.0, EnumSet.allOf(LoraTarget.class));

    private ModelRuntimeBenchmark() {}

    /**
     * One measured row; MFU = tokens/s × FLOPs per token ÷ GEMM peak.
     *
     * @param fullPacedMfu median over the measured steps of each step's MFU against the GEMM probes just before and
     *     after it (see {@link GemmProbe})
     * @param batchedTokensPerSecond greedy sampling of 8 prompts at once with the cache, all rows' tokens counted
     */
    record Row(
            String runtime,
            String size,
            long parameters,
            double gemmPeak,
            double fullTokensPerSecond,
            double fullFlopsPerToken,
            double loraTokensPerSecond,
            double loraFlopsPerToken,
            double cachedTokensPerSecond,
            double recomputedTokensPerSecond,
            double batchedTokensPerSecond,
            double fullPacedMfu,
            double loraPacedMfu) {

        Row withPeak(double peak) {
            return new Row(
                    runtime,
                    size,
                    parameters,
                    peak,
                    fullTokensPerSecond,
                    fullFlopsPerToken,
                    loraTokensPerSecond,
                    loraFlopsPerToken,
                    cachedTokensPerSecond,
                    recomputedTokensPerSecond,
                    batchedTokensPerSecond,
                    fullPacedMfu,
                    loraPacedMfu);
        }

        double fullMfu() {
            return fullTokensPerSecond * fullFlopsPerToken / 1e9 / gemmPeak;
        }

        double loraMfu() {
            return loraTokensPerSecond * loraFlopsPerToken / 1e9 / gemmPeak;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int steps = Integer.parseInt(options.getOrDefault("steps", "8"));
        int newTokens = Integer.parseInt(options.getOrDefault("new-tokens", "256"));
        List<String> wanted =
                Arrays.asList(options.getOrDefault("shapes", "1M,10M,50M").split(","));
        GradMode.disableOnThisThread();
        System.out.printf(
                "DJL PyTorch engine, %d intra-op threads, %d CPUs, %s; batch %d × sequence %d, %d measured steps%n",
                JniUtils.getNumThreads(),
                Runtime.getRuntime().availableProcessors(),
                allocator(),
                BATCH,
                SEQUENCE,
                steps);
        List<Row> rows = new ArrayList<>();
        double peak = 0;
        for (Size size : SIZES) {
            if (wanted.contains(size.name())) {
                double before = gemmPeak();
                peak = Math.max(peak, before);
                System.out.printf("fp32 GEMM peak so far: %.1f GFLOP/s (just now %.1f)%n", peak, before);
                Row row = measure(size, steps, newTokens);
                rows.add(row);
                // The table divides by the run's best peak; against the one measured just before the shape, a
                // machine whose speed drifted during the run shows as a gap between the two.
                Row againstBefore = row.withPeak(before);
                System.out.printf(
                        "%s: MFU against the peak measured just before it (%.0f GFLOP/s): full %.0f %%, LoRA %.0f %%%n",
                        size.name(), before, 100 * againstBefore.fullMfu(), 100 * againstBefore.loraMfu());
            }
        }
        peak = Math.max(peak, gemmPeak());
        System.out.printf("fp32 GEMM peak of the run: %.1f GFLOP/s%n", peak);
        double runPeak = peak;
        rows.replaceAll(row -> row.withPeak(runPeak));
        if (options.containsKey("peer")) {
            rows.addAll(peer(options.get("peer"), wanted, steps, newTokens));
        }
        System.out.println();
        System.out.println("| runtime | model | params | GEMM peak GFLOP/s | full tok/s | full MFU | full MFU, paced"
                + " | LoRA r16 tok/s | LoRA MFU | LoRA MFU, paced | sampling tok/s, KV cache"
                + " | sampling tok/s, recompute | cache speed-up | batch-8 sampling tok/s, KV cache |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Row row : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %.2f M | %.0f | %,.0f | %.0f %% | %.0f %% | %,.0f | %.0f %% | %.0f %% | %.1f | %.1f"
                            + " | %.1f× | %.0f |%n",
                    row.runtime(),
                    row.size(),
                    row.parameters() / 1e6,
                    row.gemmPeak(),
                    row.fullTokensPerSecond(),
                    100 * row.fullMfu(),
                    100 * row.fullPacedMfu(),
                    row.loraTokensPerSecond(),
                    100 * row.loraMfu(),
                    100 * row.loraPacedMfu(),
                    row.cachedTokensPerSecond(),
                    row.recomputedTokensPerSecond(),
                    row.cachedTokensPerSecond() / row.recomputedTokensPerSecond(),
                    row.batchedTokensPerSecond());
        }
    }

    /** Best of square fp32 matmuls of a few sizes (≈ 20 GFLOP of repeats each), in GFLOP/s. */
    static double gemmPeak() {
        double best = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int n : new int[] {1024, 2048, 3072}) {
                NDArray[] pair = GemmProbe.operands(manager, n);
                GemmProbe.time(pair);
                GemmProbe.time(pair);
                int repeats = Math.max(3, (int) (2e10 / (2.0 * n * n * n)));
                long nanos = 0;
                for (int i = 0; i < repeats; i++) {
                    nanos += GemmProbe.time(pair);
                }
                best = Math.max(best, 2.0 * n * n * n * repeats / nanos);
            }
        }
        return best;
    }

    private static Row measure(Size size, int steps, int newTokens) throws IOException {
        ModelConfig config = size.config();
        try (NDManager root = NDManager.newBaseManager();
                LlamaModel model = randomModel(config, root)) {
            long matmulWeights = matmulWeights(config);
            double attention = 12.0 * config.numHiddenLayers() * SEQUENCE * config.queryWidth();
            double fullFlops = 6.0 * matmulWeights + attention;
            TrainingRate full = training(model, root, steps, fullFlops);
            System.out.printf(
                    "%s (%,d parameters): full fine-tune %,.0f tokens/s%n",
                    size.name(), config.parameterCount(), full.tokensPerSecond());

            // The sampler times its first decoding steps on one and on all intra-op threads and keeps the faster;
            // both counts forced, alternately, for the record. These runs also warm the JIT up for the table below.
            int threads = JniUtils.getNumThreads();
            for (int batch : new int[] {1, 8}) {
                double one = 0;
                double all = 0;
                for (int round = 0; round < 2; round++) {
                    one = Math.max(one, samplingTokensPerSecond(model, newTokens, true, batch, 1));
                    all = Math.max(all, samplingTokensPerSecond(model, newTokens, true, batch, threads));
                }
                System.out.printf(
                        "%s: batch %d with the KV cache: forced 1 thread %.1f, forced %d threads %.1f tokens/s%n",
                        size.name(), batch, one, threads, all);
            }
            double[] single = cachedAndRecomputedTokensPerSecond(model, newTokens);
            double cached = single[0];
            double recomputed = single[1];
            double batched = samplingTokensPerSecond(model, newTokens, true, 8);
            System.out.printf(
                    "%s: greedy sampling, %d new tokens: %.1f tokens/s with the KV cache, %.1f recomputing (%.1f×);"
                            + " batch of 8 with the cache %.0f tokens/s%n",
                    size.name(), newTokens, cached, recomputed, cached / recomputed, batched);
            model.addAdapter(LORA, 1);
            long loraWeights = model.trainableParameters().values().stream()
                    .mapToLong(NDArray::size)
                    .sum();
            double loraFlops = 4.0 * matmulWeights + 6.0 * loraWeights + attention;
            TrainingRate lora = training(model, root, steps, loraFlops);
            System.out.printf(
                    "%s: LoRA r16 (%,d adapter parameters) %,.0f tokens/s%n",
                    size.name(), loraWeights, lora.tokensPerSecond());
            return new Row(
                    "SafeTune (DJL)",
                    size.name(),
                    config.parameterCount(),
                    0,
                    full.tokensPerSecond(),
                    fullFlops,
                    lora.tokensPerSecond(),
                    loraFlops,
                    cached,
                    recomputed,
                    batched,
                    full.pacedMfu(),
                    lora.pacedMfu());
        }
    }

    /** Weights that take part in a matmul: every projection and the output layer. */
    static long matmulWeights(ModelConfig config) {
        long d = config.hiddenSize();
        long perLayer =
                d * (2L * config.queryWidth() + 2L * config.keyValueWidth()) + 3L * d * config.intermediateSize();
        return config.numHiddenLayers() * perLayer + (long) config.vocabSize() * d;
    }

    /**
     * Training throughput: the fastest step's tokens/s, and the paced MFU, the median over the measured steps of
     * each step's MFU against the faster of the GEMM probes just before and just after it.
     */
    record TrainingRate(double tokensPerSecond, double pacedMfu) {}

    /**
     * Trains on random tokens (every position in the loss) with the production step and AdamW, a GEMM probe between
     * steps.
     */
    private static TrainingRate training(LlamaModel model, NDManager root, int steps, double flopsPerToken) {
        MaskedCrossEntropy crossEntropy = new MaskedCrossEntropy();
        Random random = new Random(1);
        long[] tokens = new long[BATCH * SEQUENCE];
        float[] mask = new float[BATCH * SEQUENCE];
        Arrays.fill(mask, 1f);
        List<Long> stepNanos = new ArrayList<>();
        List<Double> stepMfu = new ArrayList<>();
        try (AdamW optimizer = new AdamW(model.trainableParameters(), AdamW.Options.DEFAULTS, root);
                GemmProbe probe = new GemmProbe()) {
            double before = 0;
            for (int step = 0; step < WARMUP_STEPS + steps; step++) {
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i] = random.nextInt(model.config().vocabSize());
                }
                if (step == WARMUP_STEPS) {
                    before = probe.gflops();
                }
                long started = System.nanoTime();
                try (NDScope scope = new NDScope()) {
                    NDArray input = model.manager().create(tokens, new Shape(BATCH, SEQUENCE));
                    NDArray lossMask = model.manager().create(mask, new Shape(BATCH, SEQUENCE));
                    FineTuner.backward(model, crossEntropy::nextTokenLoss, input, lossMask);
                    optimizer.step(1e-4);
                }
                long nanos = System.nanoTime() - started;
                if (step >= WARMUP_STEPS) {
                    double after = probe.gflops();
                    stepNanos.add(nanos);
                    stepMfu.add(BATCH * SEQUENCE * flopsPerToken / nanos / Math.max(before, after));
                    before = after;
                }
            }
        }
        List<Long> sorted = stepNanos.stream().sorted().toList();
        List<Double> mfu = stepMfu.stream().sorted().toList();
        System.out.printf(
                "  step ms: best %.0f, median %.0f, worst %.0f; MFU per step against its probes: median %.0f %%,"
                        + " range %.0f–%.0f %%%n",
                sorted.getFirst() / 1e6,
                sorted.get(sorted.size() / 2) / 1e6,
                sorted.getLast() / 1e6,
                100 * mfu.get(mfu.size() / 2),
                100 * mfu.getFirst(),
                100 * mfu.getLast());
        return new TrainingRate(BATCH * SEQUENCE / (sorted.getFirst() / 1e9), mfu.get(mfu.size() / 2));
    }

    /**
     * A short GEMM measurement between training steps: the faster of one 1024² and one 2048² fp32 matmul (≈ 19 GFLOP,
     * 0.04 s at 450 GFLOP/s). Shared machines drift by up to 1.5× within seconds (docs/benchmarks.md), so a step's
     * MFU is taken against the peak measured next to it rather than against the best of the run.
     */
    static final class GemmProbe implements AutoCloseable {
        private final NDManager manager = NDManager.newBaseManager();
        private final List<NDArray[]> operands = new ArrayList<>();

        GemmProbe() {
            for (int n : new int[] {1024, 2048}) {
                NDArray[] pair = operands(manager, n);
                operands.add(pair);
                time(pair); // warm-up
            }
        }

        /** Two random {@code n × n} matrices. */
        static NDArray[] operands(NDManager manager, int n) {
            return new NDArray[] {manager.randomNormal(new Shape(n, n)), manager.randomNormal(new Shape(n, n))};
        }

        /** GFLOP/s of the faster of the two products, measured now. */
        double gflops() {
            double best = 0;
            for (NDArray[] pair : operands) {
                long n = pair[0].getShape().get(0);
                best = Math.max(best, 2.0 * n * n * n / time(pair));
            }
            return best;
        }

        /** Nanoseconds of one product of the pair, the result read back so that it has been computed. */
        static long time(NDArray[] pair) {
            long started = System.nanoTime();
            try (NDArray c = pair[0].matMul(pair[1])) {
                c.getFloat(0, 0);
            }
            return System.nanoTime() - started;
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /**
     * Greedy continuation of {@code batch} random 16-token prompts by {@code newTokens} tokens each, no stop token;
     * generated tokens of all rows per second.
     */
    private static double samplingTokensPerSecond(LlamaModel model, int newTokens, boolean cache, int batch) {
        return samplingTokensPerSecond(model, newTokens, cache, batch, 0);
    }

    /** As above with the sampler's decoding threads forced ({@code decodeThreads > 0}) or chosen by it (0). */
    private static double samplingTokensPerSecond(
            LlamaModel model, int newTokens, boolean cache, int batch, int decodeThreads) {
        SamplingRun run = new SamplingRun(model, newTokens, cache, batch, decodeThreads);
        double best = 0;
        for (int i = 0; i < 3; i++) { // the best of three runs (see the class comment)
            best = Math.max(best, run.tokensPerSecond());
        }
        if (cache && decodeThreads == 0) {
            System.out.printf(
                    "  batch %d: the sampler's decoding steps chose %d thread(s)%n",
                    batch, run.sampler.lastDecodeThreads());
        }
        return best;
    }

    /**
     * Batch-1 sampling with and without the cache, {@code [cached, recomputed]} tokens/s: three runs of each,
     * alternating, best of each, so that both figures of the speed-up see the same machine (its speed drifts: see
     * docs/benchmarks.md).
     */
    private static double[] cachedAndRecomputedTokensPerSecond(LlamaModel model, int newTokens) {
        SamplingRun cached = new SamplingRun(model, newTokens, true, 1, 0);
        SamplingRun recomputed = new SamplingRun(model, newTokens, false, 1, 0);
        double[] best = new double[2];
        for (int i = 0; i < 3; i++) {
            best[0] = Math.max(best[0], cached.tokensPerSecond());
            best[1] = Math.max(best[1], recomputed.tokensPerSecond());
        }
        return best;
    }

    /** Greedy continuation of random 16-token prompts, no stop token, ready to be timed (warmed up on creation). */
    private static final class SamplingRun {
        private final Sampler sampler;
        private final List<int[]> prompts = new ArrayList<>();
        private final SamplingOptions options;

        SamplingRun(LlamaModel model, int newTokens, boolean cache, int batch, int decodeThreads) {
            Random random = new Random(2);
            for (int b = 0; b < batch; b++) {
                int[] prompt = new int[PROMPT];
                for (int i = 0; i < PROMPT; i++) {
                    prompt[i] = random.nextInt(model.config().vocabSize());
                }
                prompts.add(prompt);
            }
            sampler = new Sampler(model, 0, decodeThreads);
            options = new SamplingOptions(0, 1, 0, newTokens, Set.of(), cache);
            // Warm-up: a whole cached run, so that the JIT has compiled the decoding loop (a batch-1 step of a small
            // model takes a millisecond or two, and the first runs in a JVM were up to 3× slower); 8 tokens when
            // recomputing.
            sampler.generate(prompts, new SamplingOptions(0, 1, 0, cache ? newTokens : 8, Set.of(), cache));
        }

        /** Generated tokens of all rows per second, one run. */
        double tokensPerSecond() {
            long started = System.nanoTime();
            int produced = sampler.generate(prompts, options).stream()
                    .mapToInt(c -> c.tokens().length)
                    .sum();
            return produced / ((System.nanoTime() - started) / 1e9);
        }
    }

    /**
     * Which native allocator this process runs on: jemalloc when preloaded (scripts/native-allocator.sh, inherited by
     * the peer's Python process too), else glibc's. It moves training throughput by 9–12 % (docs/benchmarks.md).
     */
    static String allocator() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return "allocator unknown";
        }
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.anyMatch(line -> line.contains("libjemalloc"))
                    ? "jemalloc (MALLOC_CONF=" + System.getenv().getOrDefault("MALLOC_CONF", "") + ")"
                    : "glibc malloc";
        }
    }

    /** A model with N(0, 0.02²) weights and unit norm gains, as transformers initialises one. */
    static LlamaModel randomModel(ModelConfig config, NDManager root) {
        NDManager manager = root.newSubManager();
        Map<String, NDArray> weights = new LinkedHashMap<>();
        LlamaModel.tensorShapes(config)
                .forEach((name, shape) -> weights.put(
                        name,
                        shape.dimension() == 1
                                ? manager.ones(shape)
                                : manager.randomNormal(0, 0.02f, shape, ai.djl.ndarray.types.DataType.FLOAT32)));
        return LlamaModel.fromWeights(config, weights, manager);
    }

    /** Runs the transformers + PEFT peer on the same shapes and settings; its rows. */
    private static List<Row> peer(String python, List<String> wanted, int steps, int newTokens)
            throws IOException, InterruptedException {
        Path script = Path.of("src/test/python/hf_peer_benchmark.py");
        if (!Files.isRegularFile(script)) {
            script = Path.of("trainer-worker").resolve(script);
        }
        List<String> command = new ArrayList<>(List.of(
                python,
                script.toString(),
                "--threads",
                Integer.toString(JniUtils.getNumThreads()),
                "--steps",
                Integer.toString(steps),
                "--new-tokens",
                Integer.toString(newTokens),
                "--shapes",
                String.join(",", wanted)));
        System.out.println("running the peer: " + String.join(" ", command));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<Row> rows = new ArrayList<>();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("{")) {
                    JsonNode row = JSON.readTree(line);
                    rows.add(new Row(
                            row.path("runtime").asString(),
                            row.path("size").asString(),
                            row.path("parameters").asLong(),
                            row.path("gemm_peak").asDouble(),
                            row.path("full_tokens_per_second").asDouble(),
                            row.path("full_flops_per_token").asDouble(),
                            row.path("lora_tokens_per_second").asDouble(),
                            row.path("lora_flops_per_token").asDouble(),
                            row.path("cached_tokens_per_second").asDouble(),
                            row.path("recomputed_tokens_per_second").asDouble(),
                            row.path("batched_tokens_per_second").asDouble(),
                            row.path("full_paced_mfu").asDouble(),
                            row.path("lora_paced_mfu").asDouble()));
                } else {
                    System.out.println("  peer: " + line);
                }
            }
        }
        if (process.waitFor() != 0) {
            System.out.println("the peer exited with " + process.exitValue());
        }
        return rows;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value pairs, got " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }
}
