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

    private final int[][] outputs; // state -> ids of the literals ending here (own and inherited through fail links)
    private final int[] lengths; // literal id -> length
    /**
     * Characters by their column: every ASCII character no literal holds behaves alike (back to the root from any
     * state), so they share column 0 and the table is {@link #width} columns wide rather than {@value #ALPHABET}:
     * a third of the size for the screen's literals, which keeps it in cache (Aho–Corasick's equivalence classes).
     * Case is folded here too.
     */
    private final byte[] columnOf = new byte[ALPHABET];

    private final int width;
    /**
     * The hot path's table: {@code rows[row + column]} holds the next state's row offset ({@code state * width}) shifted
     * left by one, with bit 0 set when that state accepts. One load per character, no multiplication, no second
     * array for "accepting".
     */
    private final int[] rows;

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
        int[] next = new int[states * ALPHABET];
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
        boolean[] used = new boolean[ALPHABET];
        for (String literal : literals) {
            for (int i = 0; i < literal.length(); i++) {
                used[fold(literal.charAt(i))] = true;
            }
        }
        int[] representative = new int[ALPHABET + 1]; // column -> a folded character of it (column 0: none)
        int columns = 1;
        for (int c = 0; c < ALPHABET; c++) {
            if (used[c]) {
                representative[columns] = c;
                columnOf[c] = (byte) columns++;
            }
        }
        if (columns > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("literals use more than " + (Byte.MAX_VALUE - 1) + " characters");
        }
        for (int c = 0; c < ALPHABET; c++) {
            columnOf[c] = columnOf[fold((char) c)];
        }
        width = columns;
        rows = new int[states * width];
        for (int s = 0; s < states; s++) {
            for (int col = 0; col < width; col++) {
                // Column 0 (no literal's character) leads back to the root from every state.
                int target = col == 0 ? 0 : next[s * ALPHABET + representative[col]];
                rows[s * width + col] = (target * width) << 1 | (outputs[target].length > 0 ? 1 : 0);
            }
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
            int t = rows[row + columnOf[c]];
            row = t >>> 1;
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
            int t = rows[row + columnOf[c]];
            row = t >>> 1;
            if ((t & 1) != 0) {
                report(row, i, hits);
            }
        }
    }

    private void report(int row, int end, Hits hits) {
        for (int id : outputs[row / width]) {
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
