package dev.safetune.safeguards.screen;

import java.util.List;

/**
 * Lower-case ASCII phrases found at word boundaries (the character before and after is not a letter or digit), in
 * linear time through {@link AnchorIndex}.
 */
final class PhraseSet {
    private final List<String> phrases;
    private final AnchorIndex index;

    PhraseSet(List<String> phrases) {
        this.phrases = List.copyOf(phrases);
        this.index = new AnchorIndex(this.phrases);
    }

    List<String> phrases() {
        return phrases;
    }

    /** Receives each phrase found: its index and the offsets of the match. */
    @FunctionalInterface
    interface Found {
        void found(int phrase, int start, int end);
    }

    void scan(String text, Found found) {
        scan(text, hits -> index.scan(text, 0, text.length(), hits), found);
    }

    /** As {@link #scan(String, Found)}, with the occurrences of the phrases in {@code text} replayed by {@code hits}. */
    void scan(String text, java.util.function.Consumer<AnchorIndex.Hits> hits, Found found) {
        hits.accept((id, start) -> {
            int end = start + phrases.get(id).length();
            if (boundary(text, start - 1) && boundary(text, end)) {
                found.found(id, start, end);
            }
        });
    }

    /** The first phrase found, or -1. */
    int first(String text) {
        int[] first = {-1};
        scan(text, (id, start, end) -> {
            if (first[0] < 0) {
                first[0] = id;
            }
        });
        return first[0];
    }

    private static boolean boundary(String text, int i) {
        return i < 0 || i >= text.length() || !Character.isLetterOrDigit(text.charAt(i));
    }
}
