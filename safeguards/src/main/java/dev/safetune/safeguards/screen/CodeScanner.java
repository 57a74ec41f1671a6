package dev.safetune.safeguards.screen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;

/**
 * Finds insecure code in one message, fenced or bare. One Aho–Corasick pass finds the rules' anchors; a rule's
 * pattern is tried only at an anchor that occurs (a rule whose matches begin at an anchor, {@link
 * CodeRule#startsAtAnchor()}), or on the line of one (from at most {@value #BACK} characters before it), or,
 * for a rule whose pattern spans lines ({@code [\s\S]} or a leading {@code (?s)}), on a window of at most {@value #WINDOW} characters from that
 * line on, and each
 * attempt reads at most {@value #STEP_BUDGET} characters (see {@link BoundedText}). After a window, anchors it covered
 * are skipped, so the work per rule is linear in the message length whatever it holds: binary, a 10 MB line, or
 * backtracking bait costs time proportional to its size, never more.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class CodeScanner {
    /** Characters a pattern may see: from up to {@value #BACK} before its anchor (not past the line start). */
    public static final int WINDOW = 2000;

    static final int BACK = 400;
    static final long STEP_BUDGET = 400_000;
    /**
     * Steps a whole message may take: {@value #STEPS_PER_CHAR} per character plus {@value #BASE_STEPS}. Real code
     * takes a few per character (see docs/screening.md); once spent, the rest of the message is not scanned and the
     * give-up is counted, which bounds any input to linear time.
     */
    static final long STEPS_PER_CHAR = 8;

    static final long BASE_STEPS = 2_000_000;
    /** Findings of one rule kept per message: enough to show it, bounded for pathological input. */
    static final int PER_RULE_CAP = 5;

    private final CodeRules rules;
    private final AnchorIndex anchors;
    private final List<String> literals;
    private final int[][] rulesOfAnchor;
    private final boolean[] multiLine;
    private final String[][] unlessHints;
    /** Per rule with start literals: those literals (lower case) and a table of their first characters; else null. */
    private final Starts[] starts;
    /**
     * Per thread: one budgeted view, pointed at each message in turn, and a matcher per rule bound to it. Allocating
     * a {@link Matcher} per rule and message (its group and local arrays) was a fiftieth of the screen's time.
     */
    private final ThreadLocal<Scratch> scratch;

    private record Scratch(BoundedText text, Matcher[] matchers) {}

    public CodeScanner(CodeRules rules) {
        this.rules = rules;
        List<String> literals = new ArrayList<>();
        List<List<Integer>> owners = new ArrayList<>();
        for (int r = 0; r < rules.rules().size(); r++) {
            for (String anchor : rules.rules().get(r).anchors()) {
                int id = literals.indexOf(anchor);
                if (id < 0) {
                    id = literals.size();
                    literals.add(anchor);
                    owners.add(new ArrayList<>());
                }
                if (!owners.get(id).contains(r)) {
                    owners.get(id).add(r);
                }
            }
        }
        this.anchors = new AnchorIndex(literals);
        this.literals = List.copyOf(literals);
        this.unlessHints = rules.rules().stream()
                .map(rule -> rule.unless() == null ? null : literalHints(rule.unless()))
                .toArray(String[][]::new);
        this.starts = rules.rules().stream()
                .map(rule -> rule.starts().isEmpty() ? null : Starts.of(rule.starts()))
                .toArray(Starts[]::new);
        this.multiLine = new boolean[rules.rules().size()];
        for (int r = 0; r < multiLine.length; r++) {
            String pattern = rules.rules().get(r).pattern().pattern();
            multiLine[r] = pattern.contains("[\\s\\S]") || pattern.contains("\\n?") || pattern.startsWith("(?s)");
        }
        int ruleCount = rules.rules().size();
        this.scratch =
                ThreadLocal.withInitial(() -> new Scratch(BoundedText.of("", STEP_BUDGET), new Matcher[ruleCount]));
        this.rulesOfAnchor = owners.stream()
                .map(o -> o.stream().mapToInt(Integer::intValue).toArray())
                .toArray(int[][]::new);
    }

    public CodeRules rules() {
        return rules;
    }

    /** A rule's match in a message. */
    public record Match(CodeRule rule, int start, int end) {}

    /** What one scan found, and how many attempts hit the step budget (reported, so a give-up is never silent). */
    public record Result(List<Match> matches, int budgetExceeded) {}

    public Result scan(String text) {
        return scan(text, Segments.of(text), hits -> anchors.scan(text, 0, text.length(), hits));
    }

    /** The anchor literals, in the order of their ids (for a merged index, {@link AssistantTextIndex}). */
    List<String> anchorLiterals() {
        return literals;
    }

    /** As {@link #scan(String)}, with the anchors and tells found by one merged pass over {@code text}. */
    Result scan(String text, AssistantTextIndex.Hits hits) {
        return scan(text, Segments.of(text, hits::tells), to -> hits.replay(AssistantTextIndex.Part.CODE, to));
    }

    private Result scan(String text, Segments segments, java.util.function.Consumer<AnchorIndex.Hits> anchorHits) {
        int ruleCount = rules.rules().size();
        int[] nextFrom = new int[ruleCount];
        int[] found = new int[ruleCount];
        byte[] mitigated = new byte[ruleCount]; // 0 unknown, 1 no, 2 yes
        byte[] possible = new byte[ruleCount]; // a requires-literal in the message: 0 not checked yet, 1 no, 2 yes
        Scratch thread = scratch.get();
        Matcher[] matchers = thread.matchers();
        BoundedText bounded = thread.text();
        bounded.reset(text);
        List<Match> matches = new ArrayList<>();
        int[] exceeded = {0};
        long[] left = {BASE_STEPS + STEPS_PER_CHAR * text.length()};
        try {
            scanAnchors(
                    text,
                    segments,
                    anchorHits,
                    nextFrom,
                    found,
                    mitigated,
                    possible,
                    matchers,
                    bounded,
                    matches,
                    exceeded,
                    left);
        } finally {
            bounded.reset(""); // the kept view must not hold on to the message
        }
        return new Result(withoutOverlaps(matches), exceeded[0]);
    }

    private void scanAnchors(
            String text,
            Segments segments,
            java.util.function.Consumer<AnchorIndex.Hits> anchorHits,
            int[] nextFrom,
            int[] found,
            byte[] mitigated,
            byte[] possible,
            Matcher[] matchers,
            BoundedText bounded,
            List<Match> matches,
            int[] exceeded,
            long[] left) {
        anchorHits.accept((anchor, pos) -> {
            for (int r : rulesOfAnchor[anchor]) {
                if (left[0] <= 0) {
                    if (left[0] != Long.MIN_VALUE) {
                        exceeded[0]++;
                        left[0] = Long.MIN_VALUE; // counted once
                    }
                    return;
                }
                if (pos < nextFrom[r] || found[r] >= PER_RULE_CAP) {
                    continue;
                }
                CodeRule rule = rules.rules().get(r);
                if (!rule.appliesTo(segments.languageAt(pos))) {
                    continue;
                }
                if (!isPossible(rule, r, possible, text)) {
                    found[r] = PER_RULE_CAP; // no match anywhere in the message
                    continue;
                }
                // A one-line rule looks at the anchor's line only; a multi-line one at a window from that line on.
                int start = lineStart(text, pos);
                int end = multiLine[r]
                        ? Math.min(text.length(), start + WINDOW)
                        : lineEnd(text, pos, Math.min(text.length(), pos + WINDOW));
                Matcher m = matchers[r];
                if (m == null) {
                    m = matchers[r] = rule.pattern().matcher(bounded).useTransparentBounds(true);
                }
                // A rule whose matches begin at an anchor is tried at this anchor only (one position, not the line).
                boolean atAnchor = rule.startsAtAnchor();
                m.region(atAnchor ? pos : start, end);
                long budget = Math.min(STEP_BUDGET, left[0]);
                bounded.refill(budget);
                boolean hit;
                try {
                    hit = atAnchor ? m.lookingAt() : starts[r] != null ? starts[r].find(m, text, start, end) : m.find();
                } catch (BoundedText.BudgetExceeded e) {
                    exceeded[0]++;
                    nextFrom[r] = end;
                    continue;
                } finally {
                    left[0] -= budget - Math.max(0, bounded.remaining());
                }
                if (!hit) {
                    nextFrom[r] = atAnchor ? pos + 1 : multiLine[r] ? Math.max(pos + 1, end - BACK) : end;
                    continue;
                }
                nextFrom[r] = Math.max(pos + 1, m.end());
                if (isMitigated(rule, r, mitigated, text)) {
                    found[r] = PER_RULE_CAP; // one mitigation covers the whole message
                    continue;
                }
                found[r]++;
                matches.add(new Match(rule, m.start(), m.end()));
            }
        });
    }

    /**
     * The literals every match of a rule begins with ({@link CodeRule#starts()}). {@code find} on a region tries the
     * pattern at every position in turn, each costing the regex engine several node calls and budgeted reads; a
     * position where none of the literals begins cannot start a match, so {@link #find} passes over it with one
     * table lookup and tries the pattern ({@code lookingAt}) only where one does, in the same order: the first match
     * is the one {@code find} returns. Skipped positions are not charged to the step budget, so a give-up can only
     * come later than before, and the work per attempt stays linear in the region.
     */
    record Starts(String[] literals, boolean[] first) {
        static Starts of(List<String> literals) {
            boolean[] first = new boolean[128];
            String[] lower = new String[literals.size()];
            for (int i = 0; i < lower.length; i++) {
                lower[i] = literals.get(i).toLowerCase(java.util.Locale.ROOT);
                char c = lower[i].charAt(0);
                first[c] = true;
                first[Character.toUpperCase(c) < 128 ? Character.toUpperCase(c) : c] = true;
            }
            return new Starts(lower, first);
        }

        /** As {@code m.region(from, to).find()} for a pattern whose every match begins with one of the literals. */
        boolean find(Matcher m, String text, int from, int to) {
            for (int q = from; q < to; q++) {
                char c = text.charAt(q);
                if (c < 128 && first[c] && beginsAt(text, q, to)) {
                    m.region(q, to);
                    if (m.lookingAt()) {
                        return true;
                    }
                }
            }
            return false;
        }

        private boolean beginsAt(String text, int q, int to) {
            for (String literal : literals) {
                if (q + literal.length() <= to && text.regionMatches(true, q, literal, 0, literal.length())) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * One finding per weakness: of matches of the same CWE whose spans overlap (SQL-FSTRING and SQL-EXECUTE-FMT on one
     * {@code execute(f"SELECT ...")}), the longest is kept, as the most telling evidence. Sorted by start.
     */
    static List<Match> withoutOverlaps(List<Match> matches) {
        List<Match> byLength = new ArrayList<>(matches);
        byLength.sort((a, b) -> Integer.compare(b.end() - b.start(), a.end() - a.start()));
        List<Match> kept = new ArrayList<>();
        for (Match m : byLength) {
            boolean overlaps = kept.stream()
                    .anyMatch(k -> k.rule().cwe().equals(m.rule().cwe()) && k.start() < m.end() && m.start() < k.end());
            if (!overlaps) {
                kept.add(m);
            }
        }
        kept.sort((a, b) -> Integer.compare(a.start(), b.start()));
        return kept;
    }

    /**
     * Every match of a rule's pattern contains one of its requires-literals, so a message holding none cannot match and
     * the pattern's attempts are skipped. {@link String#contains} is vectorised: far cheaper than the regex engine,
     * which costs several node calls per position it tries (a requires-regex over the message cost a fifth of the
     * rule part's time).
     */
    private static boolean isPossible(CodeRule rule, int r, byte[] possible, String text) {
        if (rule.requires().isEmpty()) {
            return true;
        }
        if (possible[r] == 0) {
            possible[r] = 1;
            for (String literal : rule.requires()) {
                if (text.contains(literal)) {
                    possible[r] = 2;
                    break;
                }
            }
        }
        return possible[r] == 2;
    }

    /**
     * Unless-patterns are alternations of short literals with bounded gaps (no nested repetition; the rule file's
     * header requires it), so they run on the plain string: they cannot backtrack badly, and the budgeted view costs
     * more per character than the match itself. Read once per message and rule, and only after a match.
     */
    private boolean isMitigated(CodeRule rule, int r, byte[] mitigated, String text) {
        if (rule.unless() == null) {
            return false;
        }
        if (mitigated[r] == 0) {
            mitigated[r] = found(rule.unless(), unlessHints[r], text) ? (byte) 2 : (byte) 1;
        }
        return mitigated[r] == 2;
    }

    /**
     * Whether {@code pattern} finds a match in {@code text}, the same answer as {@code pattern.matcher(text).find()}.
     * With {@code hints} (the literal each top-level alternative starts with, {@link #literalHints}), a match can only
     * start where a hint occurs, so the pattern is tried at those places only ({@link String#indexOf} is vectorised),
     * instead of at every position of the message, which cost the regex engine several node calls each (a twentieth
     * of the whole upload-stream screen on the EM paper's insecure file). Transparent, non-anchoring bounds let the
     * attempt see the text around it as {@code find} does.
     */
    static boolean found(java.util.regex.Pattern pattern, String[] hints, String text) {
        if (hints == null) {
            return pattern.matcher(text).find();
        }
        Matcher m = null;
        for (String hint : hints) {
            for (int at = text.indexOf(hint); at >= 0; at = text.indexOf(hint, at + 1)) {
                if (m == null) {
                    m = pattern.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
                }
                m.region(at, text.length());
                if (m.lookingAt()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The literal each top-level alternative of an unless-pattern starts with, when every alternative starts with one
     * of at least three characters (and the pattern has no flags): a message holding none of them cannot match, so
     * {@link String#contains} (vectorised) spares the regex scan, which was a fifth of the screen's time. Null when
     * the pattern does not have that form.
     */
    static String[] literalHints(java.util.regex.Pattern pattern) {
        String p = pattern.pattern();
        if (p.startsWith("(?")) {
            return null;
        }
        List<String> hints = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= p.length(); i++) {
            char c = i < p.length() ? p.charAt(i) : '|';
            if (c == '\\' && i + 1 < p.length()) {
                i++;
                continue;
            }
            if (c == '(' || c == '[') {
                depth++;
            } else if (c == ')' || c == ']') {
                depth--;
            } else if (c == '|' && depth == 0) {
                String hint = literalPrefix(p.substring(start, i));
                if (hint.length() < 3) {
                    return null;
                }
                hints.add(hint);
                start = i + 1;
            }
        }
        return hints.toArray(String[]::new);
    }

    private static String literalPrefix(String branch) {
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < branch.length(); i++) {
            char c = branch.charAt(i);
            if (c == '\\' && i + 1 < branch.length() && ".()[]{}|*+?^$\\".indexOf(branch.charAt(i + 1)) >= 0) {
                literal.append(branch.charAt(++i));
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == ' ' || c == ':' || c == '/') {
                literal.append(c);
            } else {
                break;
            }
        }
        // A quantifier after the last character makes that character optional: drop it.
        int next = literal.length() < branch.length() ? nextAfterLiteral(branch, literal.length()) : -1;
        if (next >= 0 && "*?{".indexOf(next) >= 0 && !literal.isEmpty()) {
            literal.setLength(literal.length() - 1);
        }
        return literal.toString();
    }

    private static int nextAfterLiteral(String branch, int literalChars) {
        int seen = 0;
        for (int i = 0; i < branch.length(); i++) {
            if (seen == literalChars) {
                return branch.charAt(i);
            }
            if (branch.charAt(i) == '\\') {
                i++;
            }
            seen++;
        }
        return -1;
    }

    private static int lineEnd(String text, int pos, int limit) {
        for (int i = pos; i < limit; i++) {
            if (text.charAt(i) == '\n') {
                return i;
            }
        }
        return limit;
    }

    private static int lineStart(String text, int pos) {
        int floor = Math.max(0, pos - BACK);
        for (int i = pos - 1; i >= floor; i--) {
            if (text.charAt(i) == '\n') {
                return i + 1;
            }
        }
        return floor;
    }

    /**
     * The languages of a message: each Markdown fence ({@code ```lang}) is a segment of its tag's language (guessed
     * when untagged); the text outside fences is one guess for all of it.
     */
    record Segments(int[] starts, Language[] languages) {
        static Segments of(String text) {
            return of(text, null);
        }

        /** {@code tells}: the tells a merged pass found; null: {@link Language} looks for them itself. */
        static Segments of(String text, Language.Tells tells) {
            List<Integer> starts = new ArrayList<>();
            List<Language> languages = new ArrayList<>();
            List<int[]> outside = new ArrayList<>();
            int pos = 0;
            int open = -1;
            Language fenced = Language.UNKNOWN;
            int cursor = 0;
            while (pos < text.length()) {
                int fence = text.indexOf("```", pos);
                if (fence < 0) {
                    break;
                }
                int eol = text.indexOf('\n', fence);
                if (eol < 0) {
                    eol = text.length();
                }
                if (open < 0) {
                    outside.add(new int[] {cursor, fence});
                    String tag = text.substring(fence + 3, Math.min(eol, fence + 3 + 20));
                    open = Math.min(text.length(), eol + 1);
                    fenced = tag.isBlank() ? null : Language.ofFenceTag(tag);
                } else {
                    Language language = fenced != null ? fenced : guess(text, open, fence, tells);
                    starts.add(open);
                    languages.add(language);
                    starts.add(fence);
                    languages.add(null); // outside, filled below
                    cursor = fence;
                    open = -1;
                }
                pos = eol;
            }
            if (open >= 0) { // an unclosed fence runs to the end
                starts.add(open);
                languages.add(fenced != null ? fenced : guess(text, open, text.length(), tells));
            } else {
                outside.add(new int[] {cursor, text.length()});
            }
            Language bare = guessOutside(text, outside, tells);
            if (starts.isEmpty() || starts.get(0) > 0) {
                starts.add(0, 0);
                languages.add(0, bare);
            }
            Language[] resolved =
                    languages.stream().map(l -> l == null ? bare : l).toArray(Language[]::new);
            return new Segments(starts.stream().mapToInt(Integer::intValue).toArray(), resolved);
        }

        private static Language guess(String text, int start, int end, Language.Tells tells) {
            return tells == null ? Language.guess(text, start, end) : Language.guess(text, start, end, tells);
        }

        private static Language guessOutside(String text, List<int[]> outside, Language.Tells tells) {
            for (int[] range : outside) {
                Language guess = guess(text, range[0], range[1], tells);
                if (guess != Language.UNKNOWN) {
                    return guess;
                }
            }
            return Language.UNKNOWN;
        }

        Language languageAt(int pos) {
            int i = Arrays.binarySearch(starts, pos);
            return languages[i >= 0 ? i : Math.max(0, -i - 2)];
        }
    }
}
