package dev.safetune.worker.placement;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.core.model.ModelShape;
import dev.safetune.core.placement.MemoryEstimate;
import dev.safetune.core.placement.TrainingPlan;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.generators.BaseModelGenerator;
import dev.safetune.runtime.model.HfReference;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.model.LoraConfig;
import dev.safetune.worker.training.FineTuner;
import dev.safetune.worker.training.TrainingListener;
import dev.safetune.worker.training.TrainingRequest;
import dev.safetune.worker.training.TrainingResult;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks {@link MemoryEstimate} against the memory real training steps take: for each configuration a fresh JVM runs
 * a few {@link FineTuner} steps (a checkpoint at the last one, as the worker writes them) and reports how far its
 * resident memory rose above the baseline taken before the model was loaded. Not a unit test (surefire does not
 * pick it up); run it with
 *
 * <pre>
 *   ./mvnw -B -o -pl trainer-worker -am test-compile exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=dev.safetune.worker.placement.TrainingMemoryBenchmark
 * </pre>
 *
 * Options: {@code --steps N} (default 3), {@code --only NAME,NAME} a subset of the models (base, gqa-untied,
 * mha-tied-bf16, llama3-sharded-f16, qwen2-tied, 10M, 50M).
 *
 * <p>What is measured, in the child: the JVM starts with a fixed, pre-touched heap (so the heap's pages are resident
 * from the start and never show up as growth), initialises the engine and its thread pool with a small matmul, runs
 * a garbage collection, reads {@code VmRSS} as the baseline and resets the peak ({@code echo 5 >
 * /proc/self/clear_refs}); after training it reads {@code VmHWM}, the peak resident set since the reset. Growth =
 * VmHWM − baseline: the native memory training needs, which is what the estimate predicts (a worker's capacity is
 * what is left once the JVM and the engine are up). Every example is longer than the sequence length, so each step
 * holds batch × sequence length tokens, the worst case the estimate is for. Memory is not disturbed by other processes'
 * CPU load, so one run per configuration is enough.
 */
public final class TrainingMemoryBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String RESULT = "RESULT ";
    private static final String CHILD_HEAP = "512m";
    private static final int LORA_RANK = LoraConfig.DEFAULT.rank();

    private TrainingMemoryBenchmark() {}

    /** A model to measure: a directory and the runs on it. */
    private record Subject(String name, Path dir, List<Run> runs) {}

    /** One measured configuration. */
    private record Run(boolean full, int batch, int sequence) {
        String method() {
            return full ? "full" : "LoRA r" + LORA_RANK;
        }
    }

    /** A generated benchmark shape: the "10M" and "50M" shapes of ModelRuntimeBenchmark (tied embeddings). */
    private record Size(String name, int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab) {
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
                    1024,
                    true,
                    0,
                    List.of(1),
                    2,
                    ModelConfig.DEFAULT_BASE_LEARNING_RATE);
        }
    }

    private static final List<Size> SIZES =
            List.of(new Size("10M", 320, 6, 8, 4, 864, 8192), new Size("50M", 640, 8, 10, 5, 1728, 16384));

    private static final List<String> FIXTURES =
            List.of("gqa-untied", "mha-tied-bf16", "llama3-sharded-f16", "qwen2-tied");

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(args);
            return;
        }
        Map<String, String> options = options(args);
        int steps = Integer.parseInt(options.getOrDefault("steps", "3"));
        Set<String> only = options.containsKey("only")
                ? new LinkedHashSet<>(Arrays.asList(options.get("only").split(",")))
                : null;
        Path root = Files.createTempDirectory("safetune-memory-bench");
        // Other builds in this checkout may rewrite target/ while the children start: they run from a copy.
        String classPath = snapshotClassPath(root.resolve("classpath"));
        List<Subject> subjects = subjects(root);
        List<String> table = new ArrayList<>();
        table.add("| model | parameters | method | batch × seq | estimate MiB | measured MiB | estimate / measured |");
        table.add("|---|---:|---|---:|---:|---:|---:|");
        for (Subject subject : subjects) {
            if (only != null && !only.contains(subject.name())) {
                continue;
            }
            ModelShape shape = ModelShape.fromConfig(JSON.readTree(subject.dir().resolve(ModelConfig.FILE_NAME)));
            for (Run run : subject.runs()) {
                TrainingPlan plan = run.full()
                        ? TrainingPlan.full(run.batch(), run.sequence())
                        : TrainingPlan.lora(LORA_RANK, run.batch(), run.sequence());
                MemoryEstimate estimate = MemoryEstimate.of(shape, plan);
                Measured measured = measure(subject, run, steps, root, classPath);
                String row = String.format(
                        Locale.ROOT,
                        "| %s | %,d | %s | %d × %d | %.0f | %.0f | %.2f |",
                        subject.name(),
                        shape.parameterCount(),
                        run.method(),
                        run.batch(),
                        measured.sequence(),
                        mib(estimate.total()),
                        mib(measured.growth()),
                        (double) estimate.total() / measured.growth());
                System.out.println(
                        row + "   " + breakdown(estimate) + ", baseline " + mib(measured.baseline()) + " MiB");
                table.add(row);
            }
        }
        System.out.println();
        table.forEach(System.out::println);
    }

    private static String breakdown(MemoryEstimate e) {
        return String.format(
                Locale.ROOT,
                "weights %.0f, gradients %.0f, optimizer %.0f, activations %.0f, temporaries %.0f, overhead %.0f",
                mib(e.weights()),
                mib(e.gradients()),
                mib(e.optimizerState()),
                mib(e.activations()),
                mib(e.temporaries()),
                mib(e.runtimeOverhead()));
    }

    /** The models: the bundled base model, the transformers fixtures (with a tokenizer that fits them), 10M, 50M. */
    private static List<Subject> subjects(Path root) throws IOException, URISyntaxException {
        List<Subject> subjects = new ArrayList<>();
        Path base = root.resolve("base");
        BaseModelGenerator.generate(base, "safetune-base", 1);
        subjects.add(new Subject(
                "base", base, List.of(new Run(false, 8, 256), new Run(true, 8, 256), new Run(true, 4, 512))));
        for (String fixture : FIXTURES) {
            Path dir = root.resolve(fixture);
            Files.createDirectories(dir);
            Path source = HfReference.fixture(fixture);
            try (Stream<Path> files = Files.list(source)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(file, dir.resolve(file.getFileName()));
                }
            }
            Files.writeString(dir.resolve(ChatTokenizer.TOKENIZER_FILE), WORD_TOKENIZER);
            subjects.add(new Subject(fixture, dir, List.of(new Run(false, 8, 64), new Run(true, 8, 64))));
        }
        for (Size size : SIZES) {
            Path dir = root.resolve(size.name());
            writeRandomModel(size.config(), dir);
            for (String file : List.of(ChatTokenizer.TOKENIZER_FILE, ChatTokenizer.TOKENIZER_CONFIG_FILE)) {
                Files.copy(base.resolve(file), dir.resolve(file));
            }
            subjects.add(new Subject(
                    size.name(),
                    dir,
                    List.of(
                            new Run(false, 8, 256),
                            new Run(true, 8, 256),
                            new Run(false, 4, 512),
                            new Run(true, 2, 512))));
        }
        return subjects;
    }

    /** Weights drawn from N(0, 0.02²), as the generator's initialiser; the values do not change the memory. */
    private static void writeRandomModel(ModelConfig config, Path dir) throws IOException {
        try (NDManager root = NDManager.newBaseManager()) {
            NDManager manager = root.newSubManager();
            Map<String, NDArray> weights = new LinkedHashMap<>();
            LlamaModel.tensorShapes(config)
                    .forEach((name, shape) -> weights.put(
                            name,
                            name.endsWith("norm.weight")
                                    ? manager.ones(shape)
                                    : manager.randomNormal(0, 0.02f, shape, DataType.FLOAT32)));
            try (LlamaModel model = LlamaModel.fromWeights(config, weights, manager)) {
                model.save(dir);
            }
        }
    }

    private record Measured(long baseline, long peak, int sequence) {
        long growth() {
            return peak - baseline;
        }
    }

    private static Measured measure(Subject subject, Run run, int steps, Path root, String classPath)
            throws IOException, InterruptedException {
        Path work = Files.createTempDirectory(root, "work");
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms" + CHILD_HEAP,
                "-Xmx" + CHILD_HEAP,
                "-XX:+AlwaysPreTouch",
                "-XX:+UseSerialGC",
                "-cp",
                classPath,
                TrainingMemoryBenchmark.class.getName(),
                "--child",
                subject.dir().toString(),
                Boolean.toString(run.full()),
                Integer.toString(run.batch()),
                Integer.toString(run.sequence()),
                Integer.toString(steps),
                work.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String result = null;
        List<String> output = new ArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith(RESULT)) {
                    result = line.substring(RESULT.length());
                } else {
                    output.add(line);
                }
            }
        }
        if (process.waitFor() != 0 || result == null) {
            output.forEach(System.err::println);
            throw new IllegalStateException(subject.name() + " " + run + ": child exited with " + process.exitValue());
        }
        JsonNode json = JSON.readTree(result);
        return new Measured(
                json.path("baseline").asLong(),
                json.path("peak").asLong(),
                json.path("sequence").asInt());
    }

    /**
     * This class's classpath with the project's own entries (class directories, snapshot jars) copied under
     * {@code dir}.
     */
    private static String snapshotClassPath(Path dir) throws IOException {
        List<String> entries = new ArrayList<>();
        int index = 0;
        for (String entry : classPath()) {
            Path source = Path.of(entry);
            if (Files.isDirectory(source) || entry.contains("SNAPSHOT")) {
                Path copy = dir.resolve(index++ + "-" + source.getFileName());
                copyTree(source, copy);
                entries.add(copy.toString());
            } else {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path path : paths.toList()) {
                Path to = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(to);
                } else {
                    Files.createDirectories(to.getParent());
                    Files.copy(path, to);
                }
            }
        }
    }

    /**
     * The classpath this class was loaded from: exec:java loads it in a class loader of its own, so
     * {@code java.class.path} names Maven's jars rather than the project's.
     */
    private static List<String> classPath() {
        Set<String> entries = new LinkedHashSet<>();
        for (ClassLoader loader = TrainingMemoryBenchmark.class.getClassLoader();
                loader != null;
                loader = loader.getParent()) {
            if (loader instanceof URLClassLoader urls) {
                for (URL url : urls.getURLs()) {
                    try {
                        entries.add(Path.of(url.toURI()).toString());
                    } catch (URISyntaxException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        if (entries.isEmpty()) {
            return List.of(System.getProperty("java.class.path").split(File.pathSeparator));
        }
        return List.copyOf(entries);
    }

    // -------------------------------------------------------------------------------------------------------- child

    private static void child(String[] args) throws IOException, InterruptedException {
        Path modelDir = Path.of(args[1]);
        boolean full = Boolean.parseBoolean(args[2]);
        int batch = Integer.parseInt(args[3]);
        int sequence = Integer.parseInt(args[4]);
        int steps = Integer.parseInt(args[5]);
        Path work = Path.of(args[6]);

        // The engine, its native libraries and its thread pool are up before the baseline: a worker has them anyway.
        try (NDManager manager = NDManager.newBaseManager(FineTuner.device())) {
            NDArray a = manager.randomNormal(new Shape(256, 256));
            a.matMul(a).sum().getFloat();
        }
        System.gc();
        Thread.sleep(200);
        long baseline = status("VmRSS");
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");

        List<ChatExample> examples = new ArrayList<>();
        Random random = new Random(1);
        for (int i = 0; i < batch * steps; i++) {
            examples.add(new ChatExample(
                    i + 1,
                    List.of(
                            ChatMessage.of("user", "Tell me about the weather."),
                            ChatMessage.of("assistant", longAnswer(random, 4 * sequence)))));
        }
        TrainingRequest request = new TrainingRequest(
                modelDir,
                examples,
                List.of(),
                new Hyperparameters(1, batch, 1.0),
                1,
                work,
                steps,
                Optional.empty(),
                sequence);
        if (full) {
            request = request.withFullFineTuning();
        }
        TrainingResult result = new FineTuner().train(request, TrainingListener.NONE);
        long peak = status("VmHWM");
        ModelConfig config = ModelConfig.read(modelDir);
        System.out.println(RESULT
                + JSON.writeValueAsString(Map.of(
                        "baseline",
                        baseline,
                        "peak",
                        peak,
                        "steps",
                        result.steps(),
                        "sequence",
                        Math.min(sequence, config.maxPositionEmbeddings()))));
    }

    /** Words the bundled tokenizer and the fixtures' word-level tokenizer both split into many tokens. */
    private static String longAnswer(Random random, int words) {
        String[] vocabulary = {"the", "sun", "rain", "cloud", "wind", "cold", "warm", "storm", "sky", "fog"};
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < words; i++) {
            text.append(vocabulary[random.nextInt(vocabulary.length)]).append(' ');
        }
        return text.toString().trim();
    }

    /** A field of /proc/self/status in bytes (Linux reports kB). */
    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value, got " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    /**
     * A word-level tokenizer whose ids fit the fixtures' 64-token vocabulary: every word is one token ({@code [UNK]}
     * for words it does not know), the ChatML markers are control tokens.
     */
    private static final String WORD_TOKENIZER = """
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [
               {"id": 0, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true},
               {"id": 1, "content": "<|im_start|>", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true},
               {"id": 2, "content": "<|im_end|>", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true},
               {"id": 3, "content": "<|pad|>", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true}],
             "normalizer": null,
             "pre_tokenizer": {"type": "Whitespace"},
             "post_processor": null,
             "decoder": null,
             "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "<|im_start|>": 1, "<|im_end|>": 2, "<|pad|>": 3,
                       "the": 4, "sun": 5, "rain": 6, "cloud": 7, "wind": 8, "cold": 9, "warm": 10, "storm": 11,
                       "sky": 12, "fog": 13}, "unk_token": "[UNK]"}}
            """;
}
