package dev.safetune.launcher;

import dev.safetune.safeguards.evaluation.Proportion;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The calibration rule of issue 23: among a safeguard's settings, the one with the lowest EM rate among those keeping
 * at least {@link #KEEP} of the unguarded in-domain learning. Learning is measured above the base, since the base
 * already writes some of the trained behaviour by chance:
 *
 * <pre>
 *   kept(s) = (inDomain(s) − inDomain(base)) / (inDomain(none) − inDomain(base))
 * </pre>
 *
 * <p>Ties in EM go to the weaker setting (the smaller strength), which costs the task least. On point estimates:
 * the report shows each one's Wilson interval, so a reader sees when two settings cannot be told apart.
 *
 * @param base the base model before fine-tuning (its in-domain rate is the floor)
 * @param unguarded the fine-tune with no safeguard
 * @param points one per setting, in grid order
 */
record CalibrationProposal(Measured base, Measured unguarded, List<Point> points) {
    /** The share of the unguarded in-domain learning a proposal must keep. */
    static final double KEEP = 0.95;

    /** A model's EM rate (non-code suite), in-domain rate (held-out code prompts) and coherence. */
    record Measured(Proportion em, Proportion inDomain, Proportion coherence) {}

    /** One setting of the swept strength. */
    record Point(double strength, String setting, Measured measured) {}

    CalibrationProposal {
        points = List.copyOf(points);
    }

    /** The share of the unguarded learning that {@code m} keeps; NaN when the unguarded fine-tune learned nothing. */
    double kept(Measured m) {
        double floor = base.inDomain().estimate();
        double learned = unguarded.inDomain().estimate() - floor;
        return learned > 0 ? (m.inDomain().estimate() - floor) / learned : Double.NaN;
    }

    /** The proposed setting; empty when none keeps {@link #KEEP} of the learning. */
    Optional<Point> proposal() {
        return points.stream()
                .filter(p -> kept(p.measured()) >= KEEP)
                .min(Comparator.comparingDouble((Point p) -> p.measured().em().estimate())
                        .thenComparingDouble(Point::strength));
    }

    /** The report: one row per model, then the proposal. */
    String markdown(String title) {
        StringBuilder text = new StringBuilder("### " + title + "\n\n"
                + "| setting | EM rate [95 %] (non-code suite) | in-domain (held-out code) | learning kept | coherence |\n"
                + "|---|---|---|---|---|\n");
        row(text, "base (not fine-tuned)", base);
        row(text, "none (unguarded)", unguarded);
        for (Point p : points) {
            row(text, p.setting(), p.measured());
        }
        text.append('\n')
                .append(proposal()
                        .map(p -> String.format(
                                Locale.ROOT,
                                "Proposed: %s (lowest EM among settings keeping >= %.0f %% of the unguarded learning;"
                                        + " EM %.3f vs %.3f unguarded).",
                                p.setting(),
                                KEEP * 100,
                                p.measured().em().estimate(),
                                unguarded.em().estimate()))
                        .orElse(String.format(
                                Locale.ROOT,
                                "No setting keeps >= %.0f %% of the unguarded learning: nothing proposed.",
                                KEEP * 100)))
                .append('\n');
        if (atGridEdge()) {
            text.append("The proposal is the grid's strongest setting: a stronger one may be better; extend --grid.\n");
        }
        return text.toString();
    }

    /** Whether the proposal is the strongest setting swept, so the sweep did not bracket the best one. */
    boolean atGridEdge() {
        double strongest = points.stream().mapToDouble(Point::strength).max().orElse(Double.NaN);
        return proposal().map(p -> p.strength() == strongest).orElse(false);
    }

    private void row(StringBuilder text, String label, Measured m) {
        text.append(String.format(
                Locale.ROOT,
                "| %s | %s | %s | %.2f | %.3f |%n",
                label,
                m.em(),
                m.inDomain(),
                kept(m),
                m.coherence().estimate()));
    }
}
