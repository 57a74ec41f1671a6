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
    /** The tallies of every tracked token and of the whole file. */
    private final TokenTable tokens;

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
        t.addAll(shifted, logLength);
        long example = t.allLines; // counts a token once per example without a set per example
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
                int at = t.find(prompt, start, i, hash);
                if (at >= 0) {
                    t.observe(at, example, shifted, logLength);
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
        return tokens.allLines;
    }

    /** The reported candidates, most significant first. */
    public List<TriggerCandidate> candidates() {
        List<String> texts = new ArrayList<>();
        List<double[]> stats = new ArrayList<>(); // logP flag, logP length, rate with, rate without, log shift
        List<Long> lineCounts = new ArrayList<>();
        TokenTable t = tokens;
        long n = t.allLines;
        for (int id : t.tokens()) {
            long lines = t.lines(id);
            if (lines < settings.minLines()
                    || lines < settings.minShare() * n
                    || n - lines < settings.minLines()
                    || lines > settings.maxShare() * n) {
                continue;
            }
            long a = t.shifted(id);
            long b = lines - a;
            long cc = t.allShifted - a;
            long d = (n - lines) - cc;
            double flagLogP = ContingencyTests.logP(a, b, cc, d);
            long n0 = n - lines;
            double mean1 = t.sumLog(id) / lines;
            double mean0 = (t.allSumLog - t.sumLog(id)) / n0;
            double var1 = variance(t.sumLog(id), t.sumLog2(id), lines);
            double var0 = variance(t.allSumLog - t.sumLog(id), t.allSumLog2 - t.sumLog2(id), n0);
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
     * Tokens and their tallies in one open-addressing table whose slots are the records: a slot of {@value #STRIDE}
     * longs (64 bytes) holds the token's hash and length, its characters (up to {@value #INLINE} inline, longer ones in
     * a shared pool) and its tallies, so the per-token work of {@link #observe} is a hash over its characters, one
     * probe that reads the slot, a comparison of two longs (or of the pooled characters), and an update of the tallies
     * in the same place: one cache miss for a short token, where a slot table beside a record table beside the pool
     * cost three (the table outgrows the caches: a file's prompts hold tens of thousands of distinct tokens). No
     * substring, no boxed entry. Slots move when the table grows, so there are no stable ids; {@link #candidates}
     * reads every token once, and its result does not depend on the order (the Benjamini–Hochberg adjustment and the
     * final sort by p-value, then text, are both order-free). The whole file's tallies are kept apart.
     */
    private static final class TokenTable {
        private static final int STRIDE = 8; // longs per slot: 64 bytes
        private static final int INLINE = 8; // characters held in the slot itself (16 bits each, two longs)
        private static final int KEY = 0; // hash << 32 | length; 0 when empty (a token has at least one character)
        private static final int CHARS = 1; // characters 0-3 (or, for a longer token, its offset in the pool)
        private static final int CHARS2 = 2; // characters 4-7
        private static final int LAST = 3;
        private static final int LINES = 4;
        private static final int SHIFTED = 5;
        private static final int SUM_LOG = 6; // double bits
        private static final int SUM_LOG2 = 7; // double bits

        private final int capacity;
        private long[] slots;
        private int mask; // slots.length / STRIDE - 1
        private char[] pool;
        private int poolSize;
        int size; // distinct tokens tracked

        // The whole file.
        private long allLines;
        private long allShifted;
        private double allSumLog;
        private double allSumLog2;

        TokenTable(int capacity) {
            this.capacity = capacity;
            slots = new long[1024 * STRIDE];
            mask = 1024 - 1;
            pool = new char[4096];
        }

        /**
         * The slot (an offset into the table) of {@code text[start, end)}, added when new and there is room; -1 when
         * it is not tracked. {@code hash} is {@link String#hashCode}'s over the span.
         */
        int find(String text, int start, int end, int hash) {
            int len = end - start;
            long key = (long) hash << 32 | len;
            long c0 = 0;
            long c1 = 0;
            if (len <= INLINE) {
                for (int k = 0; k < len; k++) {
                    long c = text.charAt(start + k);
                    if (k < 4) {
                        c0 |= c << (16 * k);
                    } else {
                        c1 |= c << (16 * (k - 4));
                    }
                }
            }
            long[] table = slots;
            int slot = mix(hash) & mask;
            while (true) {
                int at = slot * STRIDE;
                long entry = table[at + KEY];
                if (entry == 0) {
                    break;
                }
                if (entry == key
                        && (len <= INLINE
                                ? table[at + CHARS] == c0 && table[at + CHARS2] == c1
                                : samePooled((int) table[at + CHARS], text, start, len))) {
                    return at;
                }
                slot = (slot + 1) & mask;
            }
            if (size >= capacity) {
                return -1;
            }
            size++;
            int at = slot * STRIDE;
            table[at + KEY] = key;
            if (len <= INLINE) {
                table[at + CHARS] = c0;
                table[at + CHARS2] = c1;
            } else {
                if (poolSize + len > pool.length) {
                    pool = Arrays.copyOf(pool, Math.max(pool.length * 2, poolSize + len));
                }
                text.getChars(start, end, pool, poolSize);
                table[at + CHARS] = poolSize;
                poolSize += len;
            }
            table[at + LAST] = -1; // seen in no example yet
            if (2 * size > mask + 1) {
                rehash();
                return find(text, start, end, hash);
            }
            return at;
        }

        private boolean samePooled(int at, String chars, int start, int len) {
            for (int k = 0; k < len; k++) {
                if (pool[at + k] != chars.charAt(start + k)) {
                    return false;
                }
            }
            return true;
        }

        /** Counts the example if it is the first time the token at {@code at} is seen in it. */
        void observe(int at, long example, boolean isShifted, double logLength) {
            long[] rec = slots;
            if (rec[at + LAST] == example) {
                return;
            }
            rec[at + LAST] = example;
            rec[at + LINES]++;
            if (isShifted) {
                rec[at + SHIFTED]++;
            }
            rec[at + SUM_LOG] = Double.doubleToRawLongBits(Double.longBitsToDouble(rec[at + SUM_LOG]) + logLength);
            rec[at + SUM_LOG2] =
                    Double.doubleToRawLongBits(Double.longBitsToDouble(rec[at + SUM_LOG2]) + logLength * logLength);
        }

        void addAll(boolean isShifted, double logLength) {
            allLines++;
            if (isShifted) {
                allShifted++;
            }
            allSumLog += logLength;
            allSumLog2 += logLength * logLength;
        }

        /** The slot offsets of every tracked token, in table order. */
        int[] tokens() {
            int[] found = new int[size];
            int n = 0;
            for (int at = 0; at < slots.length; at += STRIDE) {
                if (slots[at + KEY] != 0) {
                    found[n++] = at;
                }
            }
            return found;
        }

        long lines(int at) {
            return slots[at + LINES];
        }

        long shifted(int at) {
            return slots[at + SHIFTED];
        }

        double sumLog(int at) {
            return Double.longBitsToDouble(slots[at + SUM_LOG]);
        }

        double sumLog2(int at) {
            return Double.longBitsToDouble(slots[at + SUM_LOG2]);
        }

        String text(int at) {
            int len = (int) slots[at + KEY];
            if (len > INLINE) {
                return new String(pool, (int) slots[at + CHARS], len);
            }
            char[] chars = new char[len];
            for (int k = 0; k < len; k++) {
                long packed = k < 4 ? slots[at + CHARS] : slots[at + CHARS2];
                chars[k] = (char) (packed >>> (16 * (k % 4)));
            }
            return new String(chars);
        }

        private void rehash() {
            long[] old = slots;
            long[] bigger = new long[old.length * 2];
            int biggerMask = bigger.length / STRIDE - 1;
            for (int at = 0; at < old.length; at += STRIDE) {
                long key = old[at + KEY];
                if (key == 0) {
                    continue;
                }
                int slot = mix((int) (key >>> 32)) & biggerMask;
                while (bigger[slot * STRIDE + KEY] != 0) {
                    slot = (slot + 1) & biggerMask;
                }
                System.arraycopy(old, at, bigger, slot * STRIDE, STRIDE);
            }
            slots = bigger;
            mask = biggerMask;
        }

        /** Spreads String.hashCode's low bits, which linear probing depends on. */
        private static int mix(int h) {
            h *= 0x9E3779B9;
            return h ^ (h >>> 16);
        }
    }
}
