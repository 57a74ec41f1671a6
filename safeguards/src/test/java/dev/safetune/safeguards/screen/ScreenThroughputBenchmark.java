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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Throughput of the rule part, alone and as the upload stream runs it (with the trigger miner and the report), on one
 * thread (not in CI: runs only when {@code SAFETUNE_SCREEN_BENCH_FILE} names a
 * JSONL file). Parsing is excluded (the upload reader parses once for validation anyway). The file's examples are
 * repeated into a stream of at least {@value #STREAM_BYTES} bytes of content, so that one round is long enough to be
 * steady (over the 0.86 MB of the EM paper's insecure file alone a cold first run read a third lower); the stream is
 * screened {@value #ROUNDS} times after {@value #WARMUP} warm-up rounds and the best and the median round are reported
 * as MB/s of message content (UTF-8) per second of this thread's CPU time: "on one core" even on a shared machine,
 * where wall time measures the neighbours (wall-clock MB/s is printed too). The goal is asserted on the median round.
 * A repeated file brings no new prompt tokens after its first copy, so the trigger miner's table stays the size of
 * one file's vocabulary. Command in docs/screening.md.
 */
@EnabledIfEnvironmentVariable(named = "SAFETUNE_SCREEN_BENCH_FILE", matches = ".+")
class ScreenThroughputBenchmark {
    private static final int WARMUP = 3;
    private static final int ROUNDS = 8;
    private static final long STREAM_BYTES = 5_000_000;

    @Test
    void rulesReachFiftyAndTheWholeUploadScreenSixtyMegabytesPerSecondOnOneThread() throws IOException {
        List<ChatExample> file;
        try (InputStream in = Files.newInputStream(Path.of(System.getenv("SAFETUNE_SCREEN_BENCH_FILE")))) {
            file = new TrainingFileReader(1000, 8 << 20).readAll(in);
        }
        long fileBytes = 0;
        for (ChatExample e : file) {
            for (ChatMessage m : e.messages()) {
                fileBytes += m.content().getBytes(StandardCharsets.UTF_8).length;
            }
        }
        assertThat(fileBytes).as("content bytes of the file").isPositive();
        List<ChatExample> examples = new ArrayList<>();
        long bytes = 0;
        while (bytes < STREAM_BYTES) {
            examples.addAll(file);
            bytes += fileBytes;
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
                "screen rules per example: best %.1f, median %.1f MB/s per CPU-second of one thread (wall clock best"
                        + " %.1f MB/s)%n",
                rules[0], rules[2], rules[1]);
        System.out.printf(
                "screen with trigger mining and report: best %.1f, median %.1f MB/s per CPU-second (wall clock best"
                        + " %.1f MB/s); %d examples (the file's %d, %d times), %.2f MB of content%n",
                whole[0], whole[2], whole[1], examples.size(), file.size(), examples.size() / file.size(), bytes / 1e6);
        // The goal (>= 50 MB/s on one core), on the median round rather than the best: for the rule part, and
        // for the whole screen as the upload stream runs it, since that is what an upload waits for.
        assertThat(rules[2]).as("rules per example, median MB/s per CPU-second").isGreaterThanOrEqualTo(50);
        assertThat(whole[2])
                .as("whole upload-stream screen, median MB/s per CPU-second")
                .isGreaterThanOrEqualTo(50);
    }

    /**
     * {best cpu MB/s, best wall MB/s, median cpu MB/s} over the rounds; {@code each} receives null once at the end of
     * each round.
     */
    private static double[] measure(
            List<ChatExample> examples, long bytes, Consumer<ChatExample> each, Runnable... setUp) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] cpu = new double[ROUNDS];
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
                cpu[round - WARMUP] = bytes / 1e6 / cpuSeconds;
                bestWall = Math.max(bestWall, bytes / 1e6 / seconds);
            }
        }
        Arrays.sort(cpu);
        return new double[] {cpu[ROUNDS - 1], bestWall, (cpu[(ROUNDS - 1) / 2] + cpu[ROUNDS / 2]) / 2};
    }
}
