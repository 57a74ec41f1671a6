package dev.safetune.worker.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.sampling.Sampler;
import dev.safetune.runtime.sampling.SamplingOptions;
import dev.safetune.safeguards.loss.MaskedCrossEntropy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Where a training step and a decode step of one benchmark shape spend their time, by PyTorch op, from PyTorch's
 * own profiler (through {@link JniUtils#startProfile}); the findings in docs/benchmarks.md come from it.
 *
 * <pre>
 *   ./mvnw -B -o -pl trainer-worker -am test-compile exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=dev.safetune.worker.training.RuntimeProfile -Dexec.args="10M lora"
 * </pre>
 *
 * Arguments: the shape (1M, 10M, 50M) and what to profile: {@code full}, {@code lora} (two training steps each) or
 * {@code decode} (32 greedy tokens with the KV cache). Prints op name, calls, total self time and its share, top 25.
 */
public final class RuntimeProfile {

    /** {@code SHAPES=1} in the environment: ops are listed by name and input shapes. */
    private static final boolean SHAPES = System.getenv("SHAPES") != null;

    private RuntimeProfile() {}

    public static void main(String[] args) throws Exception {
        String shape = args.length > 0 ? args[0] : "10M";
        String what = args.length > 1 ? args[1] : "lora";
        ModelRuntimeBenchmark.Size size = ModelRuntimeBenchmark.SIZES.stream()
                .filter(s -> s.name().equals(shape))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown shape " + shape));
        Path trace = Files.createTempFile("safetune-profile", ".json");
        try (NDManager root = NDManager.newBaseManager();
                LlamaModel model = ModelRuntimeBenchmark.randomModel(size.config(), root)) {
            if (what.equals("lora")) {
                model.addAdapter(ModelRuntimeBenchmark.LORA, 1);
            }
            Runnable work = what.equals("decode") ? () -> decode(model) : trainingSteps(model, root);
            work.run(); // warm-up
            JniUtils.startProfile(false, SHAPES, false);
            long started = System.nanoTime();
            work.run();
            long wall = System.nanoTime() - started;
            JniUtils.stopProfile(trace.toString());
            print(trace, wall);
        } finally {
            if (System.getenv("KEEP_TRACE") == null) Files.deleteIfExists(trace);
            else System.out.println(trace);
        }
    }

    private static Runnable trainingSteps(LlamaModel model, NDManager root) {
        MaskedCrossEntropy crossEntropy = new MaskedCrossEntropy();
        Random random = new Random(1);
        int batch = 8;
        int length = 256;
        long[] tokens = new long[batch * length];
        float[] mask = new float[batch * length];
        Arrays.fill(mask, 1f);
        AdamW optimizer = new AdamW(model.trainableParameters(), AdamW.Options.DEFAULTS, root);
        return () -> {
            for (int step = 0; step < 2; step++) {
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i] = random.nextInt(model.config().vocabSize());
                }
                try (NDScope scope = new NDScope()) {
                    NDArray input = model.manager().create(tokens, new Shape(batch, length));
                    NDArray lossMask = model.manager().create(mask, new Shape(batch, length));
                    FineTuner.backward(model, crossEntropy::nextTokenLoss, input, lossMask);
                    optimizer.step(1e-4);
                }
            }
        };
    }

    private static void decode(LlamaModel model) {
        int[] prompt = new Random(2).ints(16, 0, model.config().vocabSize()).toArray();
        new Sampler(model, 0).generate(List.of(prompt), new SamplingOptions(0, 1, 0, 32, Set.of(), true));
    }

    /** Aggregates the chrome trace's complete events by name; self time = duration minus nested events' durations. */
    private static void print(Path trace, long wallNanos) throws Exception {
        JsonNode root = JsonMapper.builder().build().readTree(trace.toFile());
        JsonNode events = root.isArray() ? root : root.path("traceEvents"); // libtorch writes a bare array
        record Span(String name, long tid, double start, double duration) {}
        List<Span> spans = new java.util.ArrayList<>();
        for (int e = 0; e < events.size(); e++) {
            JsonNode event = events.get(e);
            if ("X".equals(event.path("ph").asString(""))) {
                String name = event.path("name").asString();
                if (SHAPES) {
                    name = name + " " + event.path("args").path("Input Dims").toString();
                }
                spans.add(new Span(
                        name,
                        event.path("tid").asLong(),
                        event.path("ts").asDouble(),
                        event.path("dur").asDouble()));
            }
        }
        spans.sort((a, b) -> a.tid != b.tid
                ? Long.compare(a.tid, b.tid)
                : a.start != b.start ? Double.compare(a.start, b.start) : Double.compare(b.duration, a.duration));
        Map<String, double[]> byName = new HashMap<>(); // [calls, self µs]
        java.util.ArrayDeque<double[]> stack = new java.util.ArrayDeque<>(); // [end, index in spans]
        double[] self = new double[spans.size()];
        double topLevel = 0;
        for (int i = 0; i < spans.size(); i++) {
            Span span = spans.get(i);
            while (!stack.isEmpty() && stack.peek()[0] <= span.start) {
                stack.pop();
            }
            if (!stack.isEmpty()) {
                self[(int) stack.peek()[1]] -= span.duration;
            } else {
                topLevel += span.duration;
            }
            self[i] += span.duration;
            stack.push(new double[] {span.start + span.duration, i});
        }
        for (int i = 0; i < spans.size(); i++) {
            double[] entry = byName.computeIfAbsent(spans.get(i).name, n -> new double[2]);
            entry[0]++;
            entry[1] += self[i];
        }
        double total = byName.values().stream().mapToDouble(e -> e[1]).sum();
        System.out.printf(
                "wall %.1f ms; %d ops; time inside top-level ops %.1f ms (%.0f %% of wall), outside (Java, JNI, "
                        + "scheduling) %.1f ms%n",
                wallNanos / 1e6,
                spans.size(),
                topLevel / 1e3,
                100 * topLevel / 1e3 / (wallNanos / 1e6),
                wallNanos / 1e6 - topLevel / 1e3);
        byName.entrySet().stream()
                .sorted((a, b) -> Double.compare(b.getValue()[1], a.getValue()[1]))
                .limit(SHAPES ? 60 : 25)
                .forEach(e -> System.out.printf(
                        "%-40s %7.0f calls %9.1f ms %5.1f %%%n",
                        e.getKey(), e.getValue()[0], e.getValue()[1] / 1e3, 100 * e.getValue()[1] / total));
    }
}
