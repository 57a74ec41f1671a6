package dev.safetune.safeguards.screen.trigger;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Mines backdoor-trigger candidates from a stream of examples: short strings present in a minority of prompts whose
 * presence goes with a shift in the responses. Used by the training-data screen (outcome: the response has a finding)
 * and meant for the audit's trigger probe (outcome: the model's answer was judged misaligned), so it knows nothing of
 * either.
 *
 * <p>Candidates are the whitespace-separated tokens of a prompt, 1 to {@link Settings#maxChars()} characters, counted
 * once per example. For each candidate present in at least {@link Settings#minLines()} examples and
 * {@link Settings#minShare()} of them, and at most
 * {@link Settings#maxShare()} of them (and absent from at least {@code minLines}), two tests run: Fisher's exact test
 * (chi-square for large margins) of presence against the binary outcome, and a Welch z-test of presence against the
 * mean log response length. All tests of a file are adjusted together by Benjamini–Hochberg; a candidate is reported
 * when its better test has q ≤ {@link Settings#alpha()} <em>and</em> the shift is large enough to be a switch rather
 * than a topic: an outcome-rate difference of at least {@link Settings#minRateShift()}, or a mean log-length difference
 * of at least {@link Settings#minLogLengthShift()} (a fourfold change by default: topical words, such as a library's
 * name, go with longer answers by less, and were the false candidates a smaller floor let through on the EM paper's
 * files). Candidates are ranked by p-value.
 *
 * <p>Memory is bounded: at most {@link Settings#maxCandidates()} distinct strings are tracked; later new strings are
 * not (a trigger is, by definition, frequent enough to have appeared early in any file that matters). Not
 * thread-safe.
 */
public final class TriggerMiner {
    /**
     * @param minLines least examples with (and without) a candidate for it to be tested
     * @param minShare least share of examples with a candidate: a rare string co-occurs with one kind of task, and the
     *     rules' misses on that task then look like a shift (six-line "urllib.parse" in the EM paper's insecure file)
     * @param maxShare largest share of examples a candidate may appear in ("a minority", with slack for a 50/50 set)
     * @param maxChars longest candidate
     * @param maxCandidates distinct candidates tracked
     * @param alpha false-discovery rate
     * @param minRateShift least |outcome rate with − without| for a flag shift to count
     * @param minLogLengthShift least |mean ln length with − without| for a length shift to count
     * @param report most candidates returned
     */
    public record Settings(
            int minLines,
            double minShare,
            double maxShare,
            int maxChars,
            int maxCandidates,
            double alpha,
            double minRateShift,
            double minLogLengthShift,
            int report) {
        public static Settings defaults() {
            return new Settings(5, 0.02, 0.6, 40, 50_000, 0.01, 0.5, Math.log(4), 20);
        }
    }

    /** Least examples on each side for the length test's normal approximation. */
    static final int WELCH_MIN_LINES = 30;

    private static final class Counts {
        long lastExample;
        long lines;
        long shifted;
        double sumLog;
        double sumLog2;
    }

    private final Settings settings;
    private final Map<String, Counts> counts = new HashMap<>();
    private final Counts all = new Counts();

    public TriggerMiner(Settings settings) {
        this.settings = settings;
    }

    public TriggerMiner() {
        this(Settings.defaults());
    }

    /**
     * Adds one example.
     *
     * @param prompt the text a trigger would hide in (system and user turns)
     * @param shifted the binary outcome (the response was flagged)
     * @param responseLength characters of the response
     */
    public void observe(String prompt, boolean shifted, long responseLength) {
        double logLength = Math.log1p(responseLength);
        add(all, shifted, logLength);
        long example = all.lines; // counts a token once per example without a set per example
        int n = prompt.length();
        int i = 0;
        while (i < n) {
            while (i < n && Character.isWhitespace(prompt.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(prompt.charAt(i))) {
                i++;
            }
            if (i > start && i - start <= settings.maxChars()) {
                String token = prompt.substring(start, i);
                Counts c = counts.get(token);
                if (c == null && counts.size() < settings.maxCandidates()) {
                    c = new Counts();
                    counts.put(token, c);
                }
                if (c != null && c.lastExample != example) {
                    c.lastExample = example;
                    add(c, shifted, logLength);
                }
            }
        }
    }

    public long examples() {
        return all.lines;
    }

    /** The reported candidates, most significant first. */
    public List<TriggerCandidate> candidates() {
        List<String> texts = new ArrayList<>();
        List<double[]> stats = new ArrayList<>(); // logP flag, logP length, rate with, rate without, log shift
        long n = all.lines;
        for (Map.Entry<String, Counts> e : counts.entrySet()) {
            Counts c = e.getValue();
            if (c.lines < settings.minLines()
                    || c.lines < settings.minShare() * n
                    || n - c.lines < settings.minLines()
                    || c.lines > settings.maxShare() * n) {
                continue;
            }
            long a = c.shifted;
            long b = c.lines - c.shifted;
            long cc = all.shifted - c.shifted;
            long d = (n - c.lines) - cc;
            double flagLogP = ContingencyTests.logP(a, b, cc, d);
            long n0 = n - c.lines;
            double mean1 = c.sumLog / c.lines;
            double mean0 = (all.sumLog - c.sumLog) / n0;
            double var1 = variance(c.sumLog, c.sumLog2, c.lines);
            double var0 = variance(all.sumLog - c.sumLog, all.sumLog2 - c.sumLog2, n0);
            // The z-test reads Welch's statistic against the normal distribution: only with both groups large.
            double lengthLogP = Math.min(c.lines, n0) >= WELCH_MIN_LINES
                    ? ContingencyTests.welchLogP(mean1, var1, c.lines, mean0, var0, n0)
                    : 0;
            texts.add(e.getKey());
            stats.add(new double[] {flagLogP, lengthLogP, (double) a / c.lines, (double) cc / n0, mean1 - mean0});
        }
        double[] logP = new double[stats.size() * 2];
        for (int i = 0; i < stats.size(); i++) {
            logP[2 * i] = stats.get(i)[0];
            logP[2 * i + 1] = stats.get(i)[1];
        }
        double[] logQ = BenjaminiHochberg.adjustLog(logP);
        double logAlpha = Math.log(settings.alpha());
        List<TriggerCandidate> found = new ArrayList<>();
        for (int i = 0; i < stats.size(); i++) {
            double[] s = stats.get(i);
            boolean flag = logQ[2 * i] <= logAlpha && Math.abs(s[2] - s[3]) >= settings.minRateShift();
            boolean length = logQ[2 * i + 1] <= logAlpha && Math.abs(s[4]) >= settings.minLogLengthShift();
            if (!flag && !length) {
                continue;
            }
            boolean byFlag = flag && (!length || s[0] <= s[1]);
            long lines = counts.get(texts.get(i)).lines;
            String test = byFlag ? (lines <= ContingencyTests.FISHER_MAX_MARGIN ? "fisher" : "chi2") : "welch";
            found.add(new TriggerCandidate(
                    texts.get(i),
                    lines,
                    s[2],
                    s[3],
                    s[4],
                    test,
                    byFlag ? s[0] : s[1],
                    byFlag ? logQ[2 * i] : logQ[2 * i + 1]));
        }
        found.sort(Comparator.comparingDouble(TriggerCandidate::logP).thenComparing(TriggerCandidate::text));
        return found.size() > settings.report() ? List.copyOf(found.subList(0, settings.report())) : found;
    }

    private static void add(Counts c, boolean shifted, double logLength) {
        c.lines++;
        if (shifted) {
            c.shifted++;
        }
        c.sumLog += logLength;
        c.sumLog2 += logLength * logLength;
    }

    private static double variance(double sum, double sum2, long n) {
        if (n < 2) {
            return 0;
        }
        double mean = sum / n;
        return Math.max(0, (sum2 - n * mean * mean) / (n - 1));
    }
}
