package dev.safetune.launcher;

import dev.safetune.core.dataset.TrainingFileReader;
import dev.safetune.core.dataset.ValidationReport;
import dev.safetune.safeguards.screen.DataScreen;
import dev.safetune.safeguards.screen.ExampleScreener;
import dev.safetune.safeguards.screen.ScreenDecision;
import dev.safetune.safeguards.screen.ScreenReport;
import dev.safetune.safeguards.screen.ScreenRules;
import dev.safetune.safeguards.screen.ScreenView;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./safetune screen FILE.jsonl [--json] [--rules-only]}: the training-data safety screen, offline, with the
 * rules the platform applies at upload and the thresholds of its built-in default policy ({@code
 * ScreenRules.builtInDefault()}; a platform whose safety team moved the default decides by that one), so a customer
 * can check data before uploading it. The
 * progress bar goes to stderr, so {@code --json} output can be piped.
 */
final class ScreenCommand {
    /** Findings listed in the text report; {@code --json} has every kept finding. */
    static final int SHOWN_FINDINGS = 20;

    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private final PrintStream out;
    private final PrintStream err;
    private final boolean interactive;

    ScreenCommand(PrintStream out, PrintStream err, boolean interactive) {
        this.out = out;
        this.err = err;
        this.interactive = interactive;
    }

    Command command() {
        return Command.leaf(
                "screen",
                "FILE [--json] [--rules-only]",
                "screen a JSONL training file for insecure code (disclosed or not), harmful content, evil numbers"
                        + "\nand backdoor triggers, and print the decision the built-in default policy gives"
                        + "\n(docs/screening.md); --rules-only skips the persona-projection part",
                this::run);
    }

    private int run(Command.Arguments a) throws IOException {
        Path file = Path.of(a.positional().getFirst());
        if (!Files.isRegularFile(file)) {
            throw new Command.Failure("no such file: " + file);
        }
        long size = Files.size(file);
        DataScreen screen = new DataScreen(ExampleScreener.builtIn());
        ProgressBar bar = new ProgressBar(err, interactive);
        long started = System.nanoTime();
        ValidationReport validation;
        try (InputStream in = new Progress(Files.newInputStream(file), size, bar, started)) {
            validation = new TrainingFileReader(1000, 8 << 20).read(in, screen);
        }
        bar.finish();
        ScreenReport report = screen.report();
        ScreenDecision decision = ScreenRules.builtInDefault().decide(report);
        ScreenView view = ScreenView.of(report, decision);
        if (a.has("--json")) {
            out.println(JSON.writeValueAsString(view));
        } else {
            print(file, validation, report, decision, view, a.has("--rules-only"));
        }
        return 0;
    }

    private void print(
            Path file,
            ValidationReport validation,
            ScreenReport report,
            ScreenDecision decision,
            ScreenView view,
            boolean rulesOnly) {
        long n = Math.max(1, report.examples());
        out.printf(
                Locale.ROOT,
                "%s: %d examples (%d invalid lines skipped)%n",
                file,
                report.examples(),
                validation.errorCount());
        out.printf(
                Locale.ROOT,
                "insecure code: undisclosed %.1f %% of examples, disclosed only %.1f %%, no finding at all %.1f %%%n",
                100.0 * report.undisclosedLines() / n,
                100.0 * report.disclosedOnlyLines() / n,
                100.0 * report.cleanLines() / n);
        out.println("categories (examples with a finding):");
        view.categories().forEach((name, count) -> out.printf(Locale.ROOT, "  %-26s %d%n", name, count));
        if (!report.triggers().isEmpty()) {
            out.println("trigger candidates (most significant first):");
            for (ScreenView.TriggerView t : view.triggers()) {
                out.printf(
                        Locale.ROOT,
                        "  %-24s in %d examples, log10 p = %.1f (%s)%n",
                        t.text(),
                        t.lines(),
                        t.log10P(),
                        t.test());
            }
        }
        out.printf(
                Locale.ROOT,
                "findings: %d (first %d):%n",
                report.findingsTotal(),
                Math.min(SHOWN_FINDINGS, view.findings().size()));
        for (ScreenView.FindingView f : view.findings()
                .subList(0, Math.min(SHOWN_FINDINGS, view.findings().size()))) {
            out.printf(
                    Locale.ROOT,
                    "  line %d msg %d %s %s%s: %s%n",
                    f.line(),
                    f.message(),
                    f.category(),
                    f.rule(),
                    f.cwe() == null ? "" : " " + f.cwe(),
                    oneLine(f.evidence()));
        }
        if (report.budgetExceeded() > 0) {
            out.printf(
                    Locale.ROOT,
                    "note: %d regex attempts gave up at their step budget (pathological input)%n",
                    report.budgetExceeded());
        }
        out.println(
                rulesOnly
                        ? "persona risk: skipped (--rules-only)"
                        : "persona risk: not computed offline (needs the persona vector; the platform adds it as worker work)");
        out.printf(
                Locale.ROOT,
                "decision (policy %s v%d): %s%n",
                decision.policyId(),
                decision.policyVersion(),
                decision.action().wireName());
        decision.reasons()
                .forEach(r -> out.println("  " + r.action().wireName() + ": " + r.describe(report.examples())));
        if (!decision.pinPolicies().isEmpty()) {
            out.println("  jobs on this file are pinned to policy " + String.join(", ", decision.pinPolicies()));
        }
    }

    private static String oneLine(String evidence) {
        return evidence.replace("\n", "\\n");
    }

    /** Counts bytes read and redraws the bar about every megabyte. */
    private static final class Progress extends FilterInputStream {
        private final long total;
        private final ProgressBar bar;
        private final long started;
        private long done;
        private long drawnAt;

        Progress(InputStream in, long total, ProgressBar bar, long started) {
            super(in);
            this.total = total;
            this.bar = bar;
            this.started = started;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                advance(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                advance(n);
            }
            return n;
        }

        private void advance(long n) {
            done += n;
            if (done - drawnAt >= (1 << 20) || done == total) {
                drawnAt = done;
                double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
                bar.transfer(done, total, done / seconds);
            }
        }
    }
}
