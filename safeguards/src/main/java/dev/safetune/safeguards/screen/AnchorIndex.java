package dev.safetune.safeguards.screen;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds every occurrence of a set of ASCII literals in one left-to-right pass, case-insensitively: an Aho–Corasick
 * automaton (Aho and Corasick 1975, "Efficient string matching") compiled into a full transition table over the 128
 * ASCII characters, so each input character costs one array lookup whatever the number of literals. A non-ASCII
 * character sends the automaton back to its root (no literal contains one). The time is O(n + matches), with no
 * backtracking, which is what lets the screen afford to run on every upload.
 */
public final class AnchorIndex {
    private static final int ALPHABET = 128;

    private final int[] next; // state * ALPHABET + char -> state
    private final int[][] outputs; // state -> ids of the literals ending here (own and inherited through fail links)
    private final int[] lengths; // literal id -> length
    /**
     * The hot path's table: {@code rows[row + c]} is the next state's row offset ({@code state * ALPHABET}), with bit
     * 0 set when that state accepts (row offsets are multiples of {@value #ALPHABET}, so the bit is free). One load
     * per character, no multiplication, no second array for "accepting".
     */
    private final int[] rows;
    /** ASCII case folding as a table; characters at or above {@value #ALPHABET} are not looked up. */
    private static final byte[] FOLD = new byte[ALPHABET];

    static {
        for (int c = 0; c < ALPHABET; c++) {
            FOLD[c] = (byte) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        }
    }

    /** Builds the automaton for {@code literals}; their index in the list is the id reported on a match. */
    public AnchorIndex(List<String> literals) {
        List<int[]> gotoRows = new ArrayList<>();
        List<List<Integer>> out = new ArrayList<>();
        gotoRows.add(newRow());
        out.add(new ArrayList<>());
        lengths = new int[literals.size()];
        for (int id = 0; id < literals.size(); id++) {
            String literal = literals.get(id);
            if (literal.isEmpty()) {
                throw new IllegalArgumentException("Empty literal at " + id);
            }
            lengths[id] = literal.length();
            int state = 0;
            for (int i = 0; i < literal.length(); i++) {
                int c = fold(literal.charAt(i));
                if (c < 0) {
                    throw new IllegalArgumentException("Literal is not ASCII: " + literal);
                }
                int target = gotoRows.get(state)[c];
                if (target < 0) {
                    target = gotoRows.size();
                    gotoRows.add(newRow());
                    out.add(new ArrayList<>());
                    gotoRows.get(state)[c] = target;
                }
                state = target;
            }
            out.get(state).add(id);
        }
        int states = gotoRows.size();
        next = new int[states * ALPHABET];
        int[] fail = new int[states];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int c = 0; c < ALPHABET; c++) {
            int target = gotoRows.get(0)[c];
            next[c] = Math.max(target, 0);
            if (target > 0) {
                queue.add(target);
            }
        }
        // Breadth-first, so a state's fail target is complete before the state itself is filled in.
        while (!queue.isEmpty()) {
            int state = queue.poll();
            out.get(state).addAll(out.get(fail[state]));
            for (int c = 0; c < ALPHABET; c++) {
                int target = gotoRows.get(state)[c];
                if (target > 0) {
                    fail[target] = next[fail[state] * ALPHABET + c];
                    next[state * ALPHABET + c] = target;
                    queue.add(target);
                } else {
                    next[state * ALPHABET + c] = next[fail[state] * ALPHABET + c];
                }
            }
        }
        outputs = new int[states][];
        for (int s = 0; s < states; s++) {
            outputs[s] =
                    out.get(s).stream().mapToInt(Integer::intValue).distinct().toArray();
        }
        rows = new int[next.length];
        for (int i = 0; i < next.length; i++) {
            int target = next[i];
            rows[i] = target * ALPHABET | (outputs[target].length > 0 ? 1 : 0);
        }
    }

    /** Receives each occurrence: the literal's id and the offset of its first character. */
    @FunctionalInterface
    public interface Hits {
        void hit(int literal, int start);
    }

    /** Reports every occurrence in {@code text[from, to)}, in order of their end offset. */
    public void scan(CharSequence text, int from, int to, Hits hits) {
        if (text instanceof String string) {
            scan(string, from, to, hits); // the common case, with String.charAt inlined
            return;
        }
        int row = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c >= ALPHABET) {
                row = 0;
                continue;
            }
            int t = rows[row + FOLD[c]];
            row = t & ~1;
            if ((t & 1) != 0) {
                report(row, i, hits);
            }
        }
    }

    private void scan(String text, int from, int to, Hits hits) {
        int row = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c >= ALPHABET) {
                row = 0;
                continue;
            }
            int t = rows[row + FOLD[c]];
            row = t & ~1;
            if ((t & 1) != 0) {
                report(row, i, hits);
            }
        }
    }

    private void report(int row, int end, Hits hits) {
        for (int id : outputs[row / ALPHABET]) {
            hits.hit(id, end - lengths[id] + 1);
        }
    }

    public int size() {
        return lengths.length;
    }

    private static int[] newRow() {
        int[] row = new int[ALPHABET];
        Arrays.fill(row, -1);
        return row;
    }

    private static int fold(char c) {
        if (c >= ALPHABET) {
            return -1;
        }
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }
}
