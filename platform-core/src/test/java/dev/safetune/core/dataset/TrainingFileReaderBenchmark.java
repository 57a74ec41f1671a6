package dev.safetune.core.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Parse + schema throughput of {@link TrainingFileReader#validate} on one thread, in MB/s (10^6 bytes per second) of
 * file bytes. The data is shaped like real chat fine-tuning files: a system prompt, one to three user/assistant
 * turns of a few hundred characters, mostly ASCII with some multi-byte text and escapes, CRLF endings.
 *
 * <p>Excluded from the normal build (surefire skips the {@code benchmark} tag). Run {@link #main} pinned to one core:
 *
 * <pre>
 * ./mvnw -q -B -pl platform-core test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=taskset \
 *   -Dexec.args="-c 1 $JAVA_HOME/bin/java -cp %classpath dev.safetune.core.dataset.TrainingFileReaderBenchmark"
 * </pre>
 *
 * ({@code taskset} keeps the JIT and GC threads on that core too), or run {@link #main} from an IDE.
 */
@Tag("benchmark")
class TrainingFileReaderBenchmark {
    private static final int FILE_BYTES = 64 << 20;
    private static final int ROUNDS = 8;

    @Test
    void validationThroughputOnOneThread() throws IOException {
        double mbPerSecond = measure();
        assertThat(mbPerSecond).isPositive();
    }

    public static void main(String[] args) throws IOException {
        measure();
    }

    static double measure() throws IOException {
        byte[] file = trainingFile(FILE_BYTES);
        TrainingFileReader reader = new TrainingFileReader();
        int expectedExamples = reader.validate(new ByteArrayInputStream(file)).examples();
        double best = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long start = System.nanoTime();
            ValidationReport report = reader.validate(new ByteArrayInputStream(file));
            long nanos = System.nanoTime() - start;
            if (!report.valid() || report.examples() != expectedExamples) {
                throw new AssertionError("benchmark data must be valid: " + report.summary());
            }
            double mbPerSecond = file.length / 1e6 / (nanos / 1e9);
            best = Math.max(best, mbPerSecond);
            System.out.printf(
                    Locale.ROOT,
                    "round %d: %.1f MB in %.0f ms = %.1f MB/s (%d examples)%n",
                    round,
                    file.length / 1e6,
                    nanos / 1e6,
                    mbPerSecond,
                    report.examples());
        }
        System.out.printf(Locale.ROOT, "TrainingFileReader.validate: best %.1f MB/s on one thread%n", best);
        return best;
    }

    /** About {@code size} bytes of valid, varied training data. */
    static byte[] trainingFile(int size) {
        Random random = new Random(42);
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 4096);
        StringBuilder line = new StringBuilder(4096);
        while (out.size() < size) {
            line.setLength(0);
            line.append("{\"messages\":[{\"role\":\"system\",\"content\":\"You are a careful assistant for ")
                    .append(WORDS[random.nextInt(WORDS.length)])
                    .append(" questions. Answer briefly.\"}");
            int turns = 1 + random.nextInt(3);
            for (int t = 0; t < turns; t++) {
                line.append(",{\"role\":\"user\",\"content\":\"");
                sentence(random, line, 20 + random.nextInt(60));
                line.append("\"},{\"role\":\"assistant\",\"content\":\"");
                sentence(random, line, 30 + random.nextInt(120));
                line.append('"');
                if (t < turns - 1 && random.nextInt(4) == 0) {
                    line.append(",\"weight\":0");
                }
                line.append('}');
            }
            line.append("]}\r\n");
            out.writeBytes(line.toString().getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static void sentence(Random random, StringBuilder out, int words) {
        for (int w = 0; w < words; w++) {
            if (w > 0) {
                out.append(' ');
            }
            out.append(WORDS[random.nextInt(WORDS.length)]);
            if (random.nextInt(40) == 0) {
                out.append("\\n");
            }
        }
        out.append('.');
    }

    private static final String[] WORDS = {
        "the",
        "model",
        "learns",
        "from",
        "examples",
        "and",
        "answers",
        "question",
        "data",
        "training",
        "loss",
        "token",
        "gradient",
        "a",
        "of",
        "to",
        "in",
        "is",
        "that",
        "for",
        "with",
        "as",
        "on",
        "café",
        "naïve",
        "größe",
        "東京",
        "данные",
        "\\\"quoted\\\"",
        "tab\\there",
        "é",
        "42",
        "3.14",
        "2025-01-01",
        "json",
        "línea"
    };
}
