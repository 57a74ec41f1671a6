package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.runtime.generators.BaseModelGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./safetune sample MODEL_DIR}: samples from a model folder through the whole command tree. */
class SampleCommandTest {
    @TempDir
    static Path home;

    private static Path model;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void generate() throws Exception {
        model = home.resolve("models/sample-base");
        BaseModelGenerator.generate(model, "sample-base", 7);
    }

    private int run(String... args) throws Exception {
        return SafeTuneCli.run(CapturedConsole.of(out, err, Map.of(), home), List.of(args));
    }

    private List<String> samples() {
        return out.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.startsWith("sample "))
                .toList();
    }

    @Test
    void printsTheRequestedNumberOfSamplesForTheUserTurn() throws Exception {
        assertThat(run("sample", model.toString(), "--prompt", "Hi there", "--n", "4", "--max-tokens", "8"))
                .as(err.toString(StandardCharsets.UTF_8))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("user: Hi there");
        assertThat(samples()).hasSize(4).allMatch(l -> l.matches("sample \\d \\((STOP|LENGTH)\\): .*"));
    }

    @Test
    void theSameSeedGivesTheSameSamplesAndRowsDiffer() throws Exception {
        run("sample", model.toString(), "--n", "4", "--max-tokens", "12", "--seed", "5");
        List<String> first = samples();
        out.reset();
        run("sample", model.toString(), "--n", "4", "--max-tokens", "12", "--seed", "5");
        assertThat(samples()).isEqualTo(first);
        // A random-init model at temperature 1 spreads its mass over the vocabulary: 4 rows of 12 tokens that all
        // agree would mean the rows share one random stream.
        assertThat(first.stream()
                        .map(l -> l.substring(l.indexOf(':')))
                        .distinct()
                        .count())
                .isGreaterThan(1);
    }

    @Test
    void aFolderWithoutAModelIsAClearFailure() throws Exception {
        assertThat(run("sample", home.resolve("nothing-here").toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no model in").contains("config.json");
    }
}
