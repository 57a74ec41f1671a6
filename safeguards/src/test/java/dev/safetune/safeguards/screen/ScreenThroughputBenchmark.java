package dev.safetune.safeguards.screen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.core.dataset.TrainingFileReader;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Throughput of the rule part, alone and as the upload stream runs it (with the trigger miner and the report), on one
 * thread (not in CI: runs only when {@code SAFETUNE_SCREEN_BENCH_FILE} names a
 * JSONL file). Parsing is excluded (the upload reader parses once for validation anyway); the examples are screened
 * {@value #ROUNDS} times after {@value #WARMUP} warm-up rounds and the best round is reported as MB/s of message
 * content (UTF-8) per second of this thread's CPU time: "on one core" even on a shared machine, where wall time
 * measures the neighbours (wall-clock MB/s is printed too). Command in docs/screening.md.
 */
@EnabledIfEnvironmentVariable(named = "SAFETUNE_SCREEN_BENCH_FILE", matches = ".+")
class ScreenThroughputBenchmark {
    private static final int WARMUP = 5;
    private static final int ROUNDS = 10;

    @Test
    void rulesReachFiftyAndTheWholeUploadScreenSixtyMegabytesPerSecondOnOneThread() throws IOException {
        List<ChatExample> examples;
        try (InputStream in = Files.newInputStream(Path.of(System.getenv("SAFETUNE_SCREEN_BENCH_FILE")))) {
            examples = new TrainingFileReader(1000, 8 << 20).readAll(in);
        }
        long bytes = 0;
        for (ChatExample e : examples) {
            for (ChatMessage m : e.messages()) {
                bytes += m.content().getBytes(StandardCharsets.UTF_8).length;
            }
        }
        ExampleScreener screener = ExampleScreener.builtIn();
        double[] rules = measure(examples, bytes, e -> screener.screen(e));
        DataScreen[] screen = new DataScreen[1];
        double[] whole = measure(
                examples,
                bytes,
                e -> {
                    if (e == null) {
                        screen[0].report();
                        screen[0] = new DataScreen(screener);
                    } else {
                        screen[0].accept(e);
                    }
                },
                () -> screen[0] = new DataScreen(screener));
        System.out.printf(
                "screen rules per example: %.1f MB/s per CPU-second of one thread (wall clock %.1f MB/s)%n",
                rules[0], rules[1]);
        System.out.printf(
                "screen with trigger mining and report: %.1f MB/s per CPU-second (wall clock %.1f MB/s);"
                        + " %d examples, %.2f MB of content%n",
                whole[0], whole[1], examples.size(), bytes / 1e6);
        // The goal for the rule part, and the target for the whole upload-stream screen (docs/screening.md).
        assertThat(rules[0]).as("rules per example, MB/s per CPU-second").isGreaterThanOrEqualTo(50);
        assertThat(whole[0])
                .as("whole upload-stream screen, MB/s per CPU-second")
                .isGreaterThanOrEqualTo(60);
    }

    /** Best {cpu MB/s, wall MB/s} over the rounds; {@code each} receives null once at the end of each round. */
    private static double[] measure(
            List<ChatExample> examples, long bytes, Consumer<ChatExample> each, Runnable... setUp) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double best = 0;
        double bestWall = 0;
        for (int round = 0; round < WARMUP + ROUNDS; round++) {
            for (Runnable r : setUp) {
                r.run();
            }
            long start = System.nanoTime();
            long cpuStart = threads.getCurrentThreadCpuTime();
            for (ChatExample e : examples) {
                each.accept(e);
            }
            if (setUp.length > 0) {
                each.accept(null);
            }
            double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
            double seconds = (System.nanoTime() - start) / 1e9;
            if (round >= WARMUP) {
                best = Math.max(best, bytes / 1e6 / cpuSeconds);
                bestWall = Math.max(bestWall, bytes / 1e6 / seconds);
            }
        }
        return new double[] {best, bestWall};
    }
}
