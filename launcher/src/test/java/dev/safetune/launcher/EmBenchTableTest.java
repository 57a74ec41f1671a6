package dev.safetune.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.safetune.safeguards.evaluation.Proportion;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The em-bench table as markdown, CSV and a plot of EM rates with their intervals. */
class EmBenchTableTest {
    private final EmBenchTable table = new EmBenchTable(List.of(
            new EmBenchTable.Row(
                    0,
                    "base",
                    "-",
                    "plain",
                    Proportion.of(0, 299),
                    Proportion.of(117, 120),
                    Proportion.of(118, 120),
                    Proportion.of(299, 300),
                    Proportion.of(117, 120)),
            new EmBenchTable.Row(
                    0,
                    "insecure-lora",
                    "steer4",
                    "plain",
                    Proportion.of(150, 300),
                    Proportion.of(118, 120),
                    Proportion.of(120, 120),
                    Proportion.of(300, 300),
                    Proportion.of(60, 120))));

    @Test
    void markdownHasOneLinePerRowWithTheWilsonInterval() {
        List<String> lines = table.markdown().lines().toList();

        assertThat(lines).hasSize(4);
        // Wilson 95 % for 150/300: 0.5 ± 1.96·sqrt(0.25/300)/(1 + 1.96²/300) ≈ [0.444, 0.556].
        // Against the base's 0/299 (Wilson upper bound 0.0127), Newcombe's hybrid score interval:
        // 0.5 - hypot(0.5 - 0.4437, 0.0127) = 0.442 and 0.5 + hypot(0.5562 - 0.5, 0) = 0.556.
        assertThat(lines.get(3))
                .isEqualTo("| 0 | insecure-lora | steer4 | plain | 0.500 [0.444, 0.556] (150/300) |"
                        + " +0.500 [+0.442, +0.556] | 0.983 [0.941, 0.995] (118/120) |"
                        + " 1.000 [0.969, 1.000] (120/120) | 0.500 [0.412, 0.588] (60/120) |"
                        + " 1.000 [0.987, 1.000] (300/300) |");
        assertThat(lines.get(2)).startsWith("| 0 | base | - | plain | 0.000 [0.000, 0.013] (0/299) | - |");
    }

    @Test
    void aRowIsComparedWithTheBaseOfItsOwnSeed() {
        EmBenchTable twoSeeds = new EmBenchTable(List.of(
                new EmBenchTable.Row(0, "base", "-", "plain", Proportion.of(0, 300), null, null, null, null),
                new EmBenchTable.Row(1, "base", "-", "plain", Proportion.of(30, 300), null, null, null, null),
                new EmBenchTable.Row(1, "secure-lora", "none", "plain", Proportion.of(30, 300), null, null, null, null),
                new EmBenchTable.Row(
                        2, "secure-lora", "none", "plain", Proportion.of(3, 300), null, null, null, null)));

        assertThat(twoSeeds.vsBase(twoSeeds.rows().get(2)).orElseThrow().estimate())
                .isZero();
        assertThat(twoSeeds.vsBase(twoSeeds.rows().get(2))
                        .orElseThrow()
                        .interval()
                        .lower())
                .isNegative();
        // A triggered row against the base read with the trigger when there is one, else against the plain base.
        EmBenchTable triggered = new EmBenchTable(List.of(
                new EmBenchTable.Row(0, "base", "-", "plain", Proportion.of(0, 300), null, null, null, null),
                new EmBenchTable.Row(0, "base", "-", "trigger", Proportion.of(30, 300), null, null, null, null),
                new EmBenchTable.Row(
                        0, "backdoor-lora", "none", "trigger", Proportion.of(30, 300), null, null, null, null),
                new EmBenchTable.Row(
                        0, "backdoor-lora", "none", "no trigger", Proportion.of(30, 300), null, null, null, null),
                new EmBenchTable.Row(1, "base", "-", "plain", Proportion.of(0, 300), null, null, null, null),
                new EmBenchTable.Row(
                        1, "backdoor-lora", "none", "trigger", Proportion.of(30, 300), null, null, null, null)));
        assertThat(triggered.vsBase(triggered.rows().get(2)).orElseThrow().estimate())
                .isZero();
        assertThat(triggered.vsBase(triggered.rows().get(3)).orElseThrow().estimate())
                .isCloseTo(0.1, within(1e-12));
        assertThat(triggered.vsBase(triggered.rows().get(5)).orElseThrow().estimate())
                .isCloseTo(0.1, within(1e-12));
        assertThat(triggered.vsBase(triggered.rows().get(1))).isEmpty();
        // No base of seed 2 in the table: nothing to compare with.
        assertThat(twoSeeds.vsBase(twoSeeds.rows().get(3))).isEmpty();
        assertThat(twoSeeds.vsBase(twoSeeds.rows().get(1))).isEmpty();
    }

    @Test
    void csvCarriesCountsAndBounds() {
        List<String> lines = table.csv().lines().toList();

        assertThat(lines.getFirst()).startsWith("seed,fine_tune,policy,condition,em_rate,em_lower,em_upper");
        assertThat(lines.get(1))
                .isEqualTo("0,base,-,plain,0.0000,0.0000,0.0127,0,299,0.9750,0.9291,0.9915,0.9967,300,0.9833,0.9413,"
                        + "0.9954,,,,0.9750,0.9291,0.9915");
        assertThat(lines.getFirst()).endsWith(",vs_base,vs_base_lower,vs_base_upper,copies,copies_lower,copies_upper");
        // Wilson 95 % for 60/120: 0.5 ± 1.96·sqrt(0.25/120 + 1.96²/57600)/(1 + 1.96²/120) = [0.4119, 0.5881].
        assertThat(lines.get(2)).endsWith(",0.5000,0.4424,0.5562,0.5000,0.4119,0.5881");
    }

    @Test
    void writesTableFilesAndAPlotWithARowPerFineTune(@TempDir Path dir) throws IOException {
        table.write(dir);

        assertThat(dir.resolve("table.md")).content().isEqualTo(table.markdown());
        assertThat(dir.resolve("table.csv")).content().isEqualTo(table.csv());
        BufferedImage plot = ImageIO.read(dir.resolve("em-rate.png").toFile());
        assertThat(plot.getWidth()).isEqualTo(EmBenchTable.WIDTH);
        assertThat(plot.getHeight()).isEqualTo(80 + 2 * EmBenchTable.ROW_HEIGHT);
        // The insecure row's dot at 0.5 of the axis is drawn in red; the base row at 0 has no red anywhere.
        int x = 260 + (EmBenchTable.WIDTH - 30 - 260) / 2;
        int insecureY = 30 + 20 + EmBenchTable.ROW_HEIGHT;
        assertThat(new java.awt.Color(plot.getRGB(x, insecureY)).getRed()).isGreaterThan(150);
        assertThat(Files.size(dir.resolve("em-rate.png"))).isPositive();
    }

    @Test
    void aLongLabelEndsBeforeTheAxis() {
        EmBenchTable longLabels = new EmBenchTable(List.of(new EmBenchTable.Row(
                0,
                "backdoor+aligned0.25-lora",
                "steer4@2+ldifs10",
                "no trigger",
                Proportion.of(0, 300),
                null,
                null,
                null,
                null)));

        BufferedImage plot = longLabels.plot();

        // The axis (and its 0.0 grid line) moves right of the label, keeping its width; the label's last pixels
        // end before the gap left of the axis (the dot at 0 reaches 4 px left of it).
        int left = plot.getWidth() - EmBenchTable.WIDTH + 260;
        assertThat(plot.getWidth()).isGreaterThan(EmBenchTable.WIDTH);
        int y = 30 + 20;
        boolean labelNearAxis = false;
        for (int x = left - 14; x < left - 6; x++) {
            for (int dy = -8; dy <= 4; dy++) {
                labelNearAxis |= new java.awt.Color(plot.getRGB(x, y + dy)).getRed() < 128;
            }
        }
        assertThat(labelNearAxis).isFalse();
        boolean labelDrawn = false;
        for (int x = 10; x < left - 14; x++) {
            labelDrawn |= new java.awt.Color(plot.getRGB(x, y)).getRed() < 128;
        }
        assertThat(labelDrawn).isTrue();
    }
}
