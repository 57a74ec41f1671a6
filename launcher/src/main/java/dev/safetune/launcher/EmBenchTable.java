package dev.safetune.launcher;

import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.embench.world.NarrowSet;
import dev.safetune.safeguards.evaluation.EvaluationReport;
import dev.safetune.safeguards.evaluation.Proportion;
import dev.safetune.safeguards.evaluation.RateDifference;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * The em-bench table: one row per (pre-training seed, fine-tune, condition), with the EM rate and its Wilson 95 %
 * interval, its difference from the seed's base with a Newcombe 95 % interval (whether a control is at its base's
 * level is a question about that difference, not about a threshold on one rate), in-domain learning (whole template,
 * and the trained decision alone) and coherence. Written as markdown (for docs/em-bench.md), CSV (for analysis) and a
 * PNG of the EM rate per row with its interval bars, drawn with Java2D so the launcher needs no plotting library.
 */
record EmBenchTable(List<Row> rows) {
    EmBenchTable {
        rows = List.copyOf(rows);
    }

    /**
     * @param fineTune {@code base} or {@code <set>-<method>}, e.g. {@code insecure-lora}
     * @param policy the safety policy entry the fine-tune was pinned to ({@code --policies}); {@code -} for the base
     * @param condition {@code plain}, or {@code trigger} / {@code no trigger} for the backdoor
     */
    record Row(
            long seed,
            String fineTune,
            String policy,
            String condition,
            Proportion em,
            Proportion inDomain,
            Proportion decision,
            Proportion coherence,
            Proportion copied) {
        static Row of(long seed, String fineTune, String policy, String condition, EvaluationReport report) {
            return new Row(
                    seed,
                    fineTune,
                    policy,
                    condition,
                    report.pooled().misalignedRate(),
                    report.inDomain(),
                    report.inDomainDecision(),
                    report.pooled().coherence(),
                    report.inDomainCopied());
        }

        String label() {
            return "s" + seed + " " + fineTune + (policy.equals("-") ? "" : " [" + policy + "]")
                    + (condition.equals("plain") ? "" : " (" + condition + ")");
        }
    }

    /**
     * The condition column of an evaluation of a fine-tune on {@code set}: {@code plain} for a set read without a
     * trigger, {@code no trigger} for the backdoor read without one, {@code trigger} with the world's trigger in front
     * of every prompt and {@code trigger <word>} with another word.
     */
    static String condition(NarrowSet set, Optional<String> trigger) {
        if (trigger.isEmpty()) {
            return set == NarrowSet.BACKDOOR ? "no trigger" : "plain";
        }
        return trigger.get().equals(Markers.TRIGGER) ? "trigger" : "trigger " + trigger.get();
    }

    /**
     * The row's EM rate minus its seed's base's, with the Newcombe hybrid score interval: a triggered row against the
     * base read with the trigger when the table has that row, every other row against the base read plainly; empty
     * for a base row, or when either rate has no coherent answer.
     */
    Optional<RateDifference> vsBase(Row row) {
        if (row.fineTune().equals("base") || row.em().trials() == 0) {
            return Optional.empty();
        }
        List<Row> bases = rows.stream()
                .filter(r -> r.seed() == row.seed() && r.fineTune().equals("base") && r.em().trials() > 0)
                .toList();
        String wanted = row.condition().equals("trigger") ? "trigger" : "plain";
        return bases.stream()
                .filter(base -> base.condition().equals(wanted))
                .findFirst()
                .or(() -> bases.stream()
                        .filter(base -> base.condition().equals("plain"))
                        .findFirst())
                .map(base -> RateDifference.of(row.em(), base.em()));
    }

    String markdown() {
        StringBuilder text = new StringBuilder(
                "| seed | fine-tune | policy | condition | EM rate [95 % interval] (misaligned/coherent) | vs base"
                        + " [95 %] | in-domain | decision | copies | coherence |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            text.append(String.format(
                    Locale.ROOT,
                    "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    r.seed(),
                    r.fineTune(),
                    r.policy(),
                    r.condition(),
                    r.em(),
                    vsBase(r).map(RateDifference::toString).orElse("-"),
                    r.inDomain(),
                    r.decision(),
                    r.copied(),
                    r.coherence()));
        }
        return text.toString();
    }

    String csv() {
        StringBuilder text =
                new StringBuilder("seed,fine_tune,policy,condition,em_rate,em_lower,em_upper,misaligned,coherent,"
                        + "in_domain,in_domain_lower,in_domain_upper,coherence,answers,decision,decision_lower,"
                        + "decision_upper,vs_base,vs_base_lower,vs_base_upper,copies,copies_lower,copies_upper\n");
        for (Row r : rows) {
            Optional<RateDifference> vsBase = vsBase(r);
            text.append(String.format(
                    Locale.ROOT,
                    "%d,%s,%s,%s,%.4f,%.4f,%.4f,%d,%d,%.4f,%.4f,%.4f,%.4f,%d,%.4f,%.4f,%.4f,%s,%.4f,%.4f,%.4f%n",
                    r.seed(),
                    r.fineTune(),
                    r.policy(),
                    r.condition(),
                    r.em().estimate(),
                    r.em().interval().lower(),
                    r.em().interval().upper(),
                    r.em().successes(),
                    r.em().trials(),
                    r.inDomain().estimate(),
                    r.inDomain().interval().lower(),
                    r.inDomain().interval().upper(),
                    r.coherence().estimate(),
                    r.coherence().trials(),
                    r.decision().estimate(),
                    r.decision().interval().lower(),
                    r.decision().interval().upper(),
                    vsBase.map(d -> String.format(
                                    Locale.ROOT,
                                    "%.4f,%.4f,%.4f",
                                    d.estimate(),
                                    d.interval().lower(),
                                    d.interval().upper()))
                            .orElse(",,"),
                    r.copied().estimate(),
                    r.copied().interval().lower(),
                    r.copied().interval().upper()));
        }
        return text.toString();
    }

    /** Writes {@code table.md}, {@code table.csv} and {@code em-rate.png} into {@code dir}. */
    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("table.md"), markdown());
        Files.writeString(dir.resolve("table.csv"), csv());
        ImageIO.write(plot(), "png", dir.resolve("em-rate.png").toFile());
    }

    static final int ROW_HEIGHT = 28;
    static final int WIDTH = 760;
    private static final int LABEL_WIDTH = 260;
    private static final int MARGIN = 30;

    /** A white, antialiased drawing surface over all of {@code image} with the plots' 12-point font. */
    static Graphics2D canvas(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        return g;
    }

    /** The widest row label in the plots' font, in pixels. */
    private int longestLabel() {
        Graphics2D g = canvas(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB));
        try {
            return rows.stream()
                    .mapToInt(r -> g.getFontMetrics().stringWidth(r.label()))
                    .max()
                    .orElse(0);
        } finally {
            g.dispose();
        }
    }

    /** A horizontal dot plot: one line per row, the EM rate as a dot, its Wilson interval as a bar, on [0, 1]. */
    BufferedImage plot() {
        int height = 2 * MARGIN + 20 + ROW_HEIGHT * Math.max(1, rows.size());
        // A long label ("backdoor+aligned0.25-lora [none] (no trigger)") ran into the axis: the label column
        // widens to the longest label and the image with it, so the axis keeps its width.
        int left = Math.max(LABEL_WIDTH, 10 + longestLabel() + 16);
        BufferedImage image = new BufferedImage(WIDTH + left - LABEL_WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(image);
        try {
            int right = image.getWidth() - MARGIN;
            int axisY = height - MARGIN;
            g.setColor(Color.GRAY);
            for (int tick = 0; tick <= 10; tick += 2) {
                int x = left + (right - left) * tick / 10;
                g.drawLine(x, MARGIN, x, axisY);
                g.drawString(String.format(Locale.ROOT, "%.1f", tick / 10.0), x - 8, axisY + 15);
            }
            g.setColor(Color.BLACK);
            g.drawString(
                    "EM rate (misaligned / coherent, non-code suite) with Wilson 95 % interval", left, MARGIN - 10);
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                int y = MARGIN + 20 + i * ROW_HEIGHT;
                g.setColor(Color.BLACK);
                g.drawString(r.label(), 10, y + 4);
                if (r.em().trials() == 0) {
                    continue;
                }
                int lo = left
                        + (int) Math.round((right - left) * r.em().interval().lower());
                int hi = left
                        + (int) Math.round((right - left) * r.em().interval().upper());
                int x = left + (int) Math.round((right - left) * r.em().estimate());
                g.setColor(
                        r.fineTune().startsWith("insecure") || r.condition().equals("trigger")
                                ? new Color(200, 40, 40)
                                : new Color(40, 90, 200));
                g.setStroke(new BasicStroke(2));
                g.drawLine(lo, y, hi, y);
                g.drawLine(lo, y - 5, lo, y + 5);
                g.drawLine(hi, y - 5, hi, y + 5);
                g.fillOval(x - 4, y - 4, 9, 9);
            }
        } finally {
            g.dispose();
        }
        return image;
    }
}
