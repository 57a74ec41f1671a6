package dev.safetune.safeguards.screen.trigger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

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

    private final Settings settings;
    /** The tallies of every tracked token; index 0 is kept for the whole file ({@link #ALL}). */
    private final TokenTable tokens;

    private static final int ALL = 0;

    public TriggerMiner(Settings settings) {
        this.settings = settings;
        this.tokens = new TokenTable(settings.maxCandidates());
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
        TokenTable t = tokens;
        t.add(ALL, shifted, logLength);
        long example = t.lines(ALL); // counts a token once per example without a set per example
        // One pass over the characters: each token's hash is computed as it is read (String.hashCode's), and it is
        // looked up by its span, so a token already tracked costs no allocation.
        int n = prompt.length();
        int maxChars = settings.maxChars();
        int i = 0;
        while (i < n) {
            while (i < n && isWhitespace(prompt.charAt(i))) {
                i++;
            }
            int start = i;
            int hash = 0;
            while (i < n) {
                char c = prompt.charAt(i);
                if (isWhitespace(c)) {
                    break;
                }
                hash = 31 * hash + c;
                i++;
            }
            if (i > start && i - start <= maxChars) {
                int id = t.find(prompt, start, i, hash);
                if (id > 0) {
                    t.observe(id, example, shifted, logLength);
                }
            }
        }
    }

    /** {@link Character#isWhitespace}, with ASCII answered from a table. */
    private static boolean isWhitespace(char c) {
        return c < 128 ? ASCII_SPACE[c] : Character.isWhitespace(c);
    }

    private static final boolean[] ASCII_SPACE = new boolean[128];

    static {
        for (char c = 0; c < 128; c++) {
            ASCII_SPACE[c] = Character.isWhitespace(c);
        }
    }

    public long examples() {
        return tokens.lines(ALL);
    }

    /** The reported candidates, most significant first. */
    public List<TriggerCandidate> candidates() {
        List<String> texts = new ArrayList<>();
        List<double[]> stats = new ArrayList<>(); // logP flag, logP length, rate with, rate without, log shift
        List<Long> lineCounts = new ArrayList<>();
        TokenTable t = tokens;
        long n = t.lines(ALL);
        for (int id = 1; id < t.size; id++) {
            long lines = t.lines(id);
            if (lines < settings.minLines()
                    || lines < settings.minShare() * n
                    || n - lines < settings.minLines()
                    || lines > settings.maxShare() * n) {
                continue;
            }
            long a = t.shifted(id);
            long b = lines - a;
            long cc = t.shifted(ALL) - a;
            long d = (n - lines) - cc;
            double flagLogP = ContingencyTests.logP(a, b, cc, d);
            long n0 = n - lines;
            double mean1 = t.sumLog(id) / lines;
            double mean0 = (t.sumLog(ALL) - t.sumLog(id)) / n0;
            double var1 = variance(t.sumLog(id), t.sumLog2(id), lines);
            double var0 = variance(t.sumLog(ALL) - t.sumLog(id), t.sumLog2(ALL) - t.sumLog2(id), n0);
            // The z-test reads Welch's statistic against the normal distribution: only with both groups large.
            double lengthLogP = Math.min(lines, n0) >= WELCH_MIN_LINES
                    ? ContingencyTests.welchLogP(mean1, var1, lines, mean0, var0, n0)
                    : 0;
            texts.add(t.text(id));
            lineCounts.add(lines);
            stats.add(new double[] {flagLogP, lengthLogP, (double) a / lines, (double) cc / n0, mean1 - mean0});
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
            long lines = lineCounts.get(i);
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

    private static double variance(double sum, double sum2, long n) {
        if (n < 2) {
            return 0;
        }
        double mean = sum / n;
        return Math.max(0, (sum2 - n * mean * mean) / (n - 1));
    }

    /**
     * Tokens and their tallies in primitive arrays, found by open addressing on the token's span of the prompt: the
     * per-token work of {@link #observe} is a hash over its characters, one probe of the slot table (which holds the
     * hash beside the id, so a different token is passed over without reading it), one comparison of the characters
     * in a shared pool, and one update of the token's record, whose fields lie together in one cache line. No
     * substring, no boxed entry. Ids are dense, in order of first sight; id 0 is the whole file.
     */
    private static final class TokenTable {
        private static final int STRIDE = 8; // longs per record: 64 bytes
        private static final int LAST = 0;
        private static final int LINES = 1;
        private static final int SHIFTED = 2;
        private static final int SUM_LOG = 3; // double bits
        private static final int SUM_LOG2 = 4; // double bits
        private static final int TEXT = 5; // pool offset << 32 | length

        private final int capacity;
        private long[] slots; // hash << 32 | id; 0 when empty (id 0 is never stored in a slot)
        private long[] records;
        private char[] pool;
        private int poolSize;
        int size = 1; // id 0: the whole file

        TokenTable(int capacity) {
            this.capacity = capacity;
            slots = new long[1024];
            records = new long[512 * STRIDE];
            pool = new char[4096];
        }

        /** The id of {@code text[start, end)}, added when new and there is room; -1 when it is not tracked. */
        int find(String text, int start, int end, int hash) {
            int len = end - start;
            int mask = slots.length - 1;
            int slot = mix(hash) & mask;
            long[] table = slots;
            while (true) {
                long entry = table[slot];
                if (entry == 0) {
                    break;
                }
                if ((int) (entry >>> 32) == hash) {
                    int id = (int) entry;
                    if (sameChars(records[id * STRIDE + TEXT], text, start, len)) {
                        return id;
                    }
                }
                slot = (slot + 1) & mask;
            }
            if (size - 1 >= capacity) {
                return -1;
            }
            int id = size++;
            if ((long) size * STRIDE > records.length) {
                records = Arrays.copyOf(records, records.length * 2);
            }
            if (poolSize + len > pool.length) {
                pool = Arrays.copyOf(pool, Math.max(pool.length * 2, poolSize + len));
            }
            text.getChars(start, end, pool, poolSize);
            records[id * STRIDE + TEXT] = (long) poolSize << 32 | len;
            poolSize += len;
            table[slot] = (long) hash << 32 | (id & 0xffffffffL);
            if (2 * size > slots.length) {
                rehash();
            }
            return id;
        }

        private boolean sameChars(long text, String chars, int start, int len) {
            if ((int) text != len) {
                return false;
            }
            int at = (int) (text >>> 32);
            for (int k = 0; k < len; k++) {
                if (pool[at + k] != chars.charAt(start + k)) {
                    return false;
                }
            }
            return true;
        }

        /** Counts the example if it is the first time this id is seen in it. */
        void observe(int id, long example, boolean isShifted, double logLength) {
            int r = id * STRIDE;
            long[] rec = records;
            if (rec[r + LAST] == example) {
                return;
            }
            rec[r + LAST] = example;
            add(id, isShifted, logLength);
        }

        void add(int id, boolean isShifted, double logLength) {
            int r = id * STRIDE;
            long[] rec = records;
            rec[r + LINES]++;
            if (isShifted) {
                rec[r + SHIFTED]++;
            }
            rec[r + SUM_LOG] = Double.doubleToRawLongBits(Double.longBitsToDouble(rec[r + SUM_LOG]) + logLength);
            rec[r + SUM_LOG2] =
                    Double.doubleToRawLongBits(Double.longBitsToDouble(rec[r + SUM_LOG2]) + logLength * logLength);
        }

        long lines(int id) {
            return records[id * STRIDE + LINES];
        }

        long shifted(int id) {
            return records[id * STRIDE + SHIFTED];
        }

        double sumLog(int id) {
            return Double.longBitsToDouble(records[id * STRIDE + SUM_LOG]);
        }

        double sumLog2(int id) {
            return Double.longBitsToDouble(records[id * STRIDE + SUM_LOG2]);
        }

        String text(int id) {
            long text = records[id * STRIDE + TEXT];
            return new String(pool, (int) (text >>> 32), (int) text);
        }

        private void rehash() {
            long[] bigger = new long[slots.length * 2];
            int mask = bigger.length - 1;
            for (long entry : slots) {
                if (entry == 0) {
                    continue;
                }
                int slot = mix((int) (entry >>> 32)) & mask;
                while (bigger[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                bigger[slot] = entry;
            }
            slots = bigger;
        }

        /** Spreads String.hashCode's low bits, which linear probing depends on. */
        private static int mix(int h) {
            h *= 0x9E3779B9;
            return h ^ (h >>> 16);
        }
    }
}
