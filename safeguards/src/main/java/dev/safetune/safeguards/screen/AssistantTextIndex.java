package dev.safetune.safeguards.screen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one automaton an assistant turn is read with: the code rules' anchors, the vocabulary's phrases, the disclosure
 * phrases that name a weakness, and the language tells, merged into a single {@link AnchorIndex}, so each character
 * of the turn is looked at once instead of once per part (four passes took most of the rule part's time, see
 * docs/screening.md, "Throughput"). The hits are kept in the automaton's order (by end offset) and handed to each part
 * as if it had scanned alone, with its own literal ids: an Aho–Corasick pass reports every occurrence of every literal,
 * so the parts see exactly what their own passes found.
 */
final class AssistantTextIndex {

    /** The parts, in the order of their id ranges. */
    enum Part {
        CODE,
        VOCABULARY,
        NAMING,
        TELLS
    }

    private final AnchorIndex index;
    private final int[] offsets; // Part ordinal -> first merged id; [Part count] -> total
    private final int[] lengths; // merged id -> literal length

    AssistantTextIndex(List<String> code, List<String> vocabulary, List<String> naming, List<String> tells) {
        List<String> all = new ArrayList<>();
        offsets = new int[Part.values().length + 1];
        List<List<String>> parts = List.of(code, vocabulary, naming, tells);
        for (int p = 0; p < parts.size(); p++) {
            offsets[p] = all.size();
            all.addAll(parts.get(p));
        }
        offsets[parts.size()] = all.size();
        index = new AnchorIndex(all);
        lengths = all.stream().mapToInt(String::length).toArray();
    }

    /** Every occurrence in {@code text}. */
    Hits scan(String text) {
        Hits hits = new Hits(text.length() / 16 + 8);
        index.scan(text, 0, text.length(), hits::add);
        return hits;
    }

    /** The occurrences of one text, in the automaton's order. */
    final class Hits {
        private int[] ids;
        private int[] starts;
        private int size;

        private Hits(int capacity) {
            ids = new int[capacity];
            starts = new int[capacity];
        }

        private void add(int id, int start) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
                starts = Arrays.copyOf(starts, size * 2);
            }
            ids[size] = id;
            starts[size] = start;
            size++;
        }

        /** Replays one part's occurrences with that part's own literal ids, in order. */
        void replay(Part part, AnchorIndex.Hits to) {
            int low = offsets[part.ordinal()];
            int high = offsets[part.ordinal() + 1];
            for (int i = 0; i < size; i++) {
                int id = ids[i];
                if (id >= low && id < high) {
                    to.hit(id - low, starts[i]);
                }
            }
        }

        /** The tells lying wholly in {@code [start, stop)}, as bits by tell id (what a pass over that range finds). */
        long tells(int start, int stop) {
            int low = offsets[Part.TELLS.ordinal()];
            int high = offsets[Part.TELLS.ordinal() + 1];
            long found = 0;
            for (int i = 0; i < size; i++) {
                int id = ids[i];
                if (id >= low && id < high && starts[i] >= start && starts[i] + lengths[id] <= stop) {
                    found |= 1L << (id - low);
                }
            }
            return found;
        }
    }
}
