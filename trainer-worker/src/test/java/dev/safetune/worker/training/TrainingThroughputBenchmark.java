package dev.safetune.worker.training;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.core.dataset.TrainingFileReader;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.generators.BaseModelGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Measures full fine-tuning throughput of the generated base model (LoRA with {@code -Dlora=true}; not a unit test;
 * surefire does not pick it up). {@link ModelRuntimeBenchmark} is the runtime's benchmark on fixed shapes. Every example is cut to exactly {@code seq} tokens, so each step processes {@code batch × seq} tokens.
 *
 * <pre>
 *   ./mvnw -B -pl trainer-worker -am test-compile exec:java -Dexec.classpathScope=test \
 *       -Dexec.mainClass=dev.safetune.worker.training.TrainingThroughputBenchmark -Dexec.args="8 128 30"
 * </pre>
 *
 * Arguments: batch size, sequence length, measured steps (after 3 warm-up steps). With a fourth argument, a
 * chat-format JSONL file (any file in the format of {@code docs/api.md}), it instead fine-tunes on the
 * file's first {@code 8 × batch × steps / epochs} examples (fifth argument: epochs, default 2), with the next 48 as
 * validation set, and reports the losses.
 */
public final class TrainingThroughputBenchmark {

    private static final int WARMUP_STEPS = 3;

    private TrainingThroughputBenchmark() {}

    public static void main(String[] args) throws IOException {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int seq = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 30;

        Path dir = Files.createTempDirectory("safetune-benchmark");
        ModelConfig config = BaseModelGenerator.generate(dir.resolve("base"), "safetune-base", 42);
        int examples = batch * (steps + WARMUP_STEPS);
        List<ChatExample> training = longConversations(examples);
        List<ChatExample> validation = List.of();
        int epochs = 1;
        if (args.length > 3) {
            epochs = args.length > 4 ? Integer.parseInt(args[4]) : 2;
            List<ChatExample> file;
            try (InputStream in = Files.newInputStream(Path.of(args[3]))) {
                file = new TrainingFileReader().readAll(in);
            }
            int count = Math.min(file.size() - 48, batch * (steps + WARMUP_STEPS) / epochs);
            training = file.subList(0, count);
            validation = file.subList(count, count + 48);
        }
        List<StepMetrics> metrics = new ArrayList<>();
        List<Long> residentKilobytes = new ArrayList<>();
        TrainingListener recorder = new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                metrics.add(m);
                if (m.step() == WARMUP_STEPS || m.step() == m.totalSteps()) {
                    residentKilobytes.add(residentKilobytes());
                }
            }

            @Override
            public void onCheckpoint(int step, Path checkpoint, StepMetrics m) {}

            @Override
            public boolean shouldStop() {
                return false;
            }
        };
        TrainingRequest request = new TrainingRequest(
                dir.resolve("base"),
                training,
                validation,
                new Hyperparameters(epochs, batch, 1.0),
                1,
                dir.resolve("work"),
                0,
                Optional.empty(),
                seq);
        if (!Boolean.getBoolean("lora")) {
            request = request.withFullFineTuning();
        }
        TrainingResult result = new FineTuner().train(request, recorder);

        List<StepMetrics> measured = metrics.subList(WARMUP_STEPS, metrics.size());
        double[] millis =
                measured.stream().mapToDouble(StepMetrics::stepMillis).sorted().toArray();
        double totalMillis = Arrays.stream(millis).sum();
        long tokens = measured.stream().mapToLong(StepMetrics::tokensInStep).sum();
        System.out.printf(
                "model: %,d parameters (hidden %d, %d layers, vocab %d), device %s, %d threads available%n",
                config.parameterCount(),
                config.hiddenSize(),
                config.numHiddenLayers(),
                config.vocabSize(),
                FineTuner.device(),
                Runtime.getRuntime().availableProcessors());
        System.out.printf(
                "batch %d × seq %d: %d measured steps, %.2f steps/s, %.0f tokens/s, step ms median %.1f (min %.1f, max %.1f)%n",
                batch,
                seq,
                measured.size(),
                measured.size() / (totalMillis / 1000),
                tokens / (totalMillis / 1000),
                millis[millis.length / 2],
                millis[0],
                millis[millis.length - 1]);
        System.out.printf(
                "loss: first %.4f, last %.4f, over %d steps; mean non-padding tokens per step %d%n",
                result.firstTrainLoss(), result.lastTrainLoss(), result.steps(), tokens / measured.size());
        if (result.finalValidLoss() != null) {
            System.out.printf(
                    "%d training / %d validation examples, %d epochs: final validation loss %.4f%n",
                    training.size(), validation.size(), epochs, result.finalValidLoss());
        }
        System.out.printf(
                "resident memory: %d MB after warm-up, %d MB at the end%n",
                residentKilobytes.getFirst() / 1024, residentKilobytes.getLast() / 1024);
    }

    /** VmRSS of this process (Linux), 0 elsewhere. */
    private static long residentKilobytes() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("VmRSS:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
                    .findFirst()
                    .orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Conversations long enough to be cut at any sequence length up to a few hundred tokens. */
    private static List<ChatExample> longConversations(int count) {
        String[] words = ("the model reads a file line by line and returns the number of words in each line so "
                        + "that you can see which part of the text is longest and print a short summary for the user "
                        + "def count ( path ) : with open ( path ) as handle : return [ len ( line . split ( ) ) "
                        + "for line in handle ] please explain how this works and why the context manager matters")
                .split(" ");
        Random random = new Random(7);
        List<ChatExample> examples = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder answer = new StringBuilder();
            for (int w = 0; w < 400; w++) {
                answer.append(words[random.nextInt(words.length)]).append(' ');
            }
            examples.add(new ChatExample(
                    i + 1,
                    List.of(
                            ChatMessage.of(ChatMessage.USER, "Explain this code, please."),
                            ChatMessage.of(ChatMessage.ASSISTANT, answer.toString()))));
        }
        return examples;
    }
}
