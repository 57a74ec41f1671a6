package dev.safetune.safeguards.embench.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * The world's word-level vocabulary: the eight special tokens (ids 0–7, {@link Markers#SPECIAL_TOKENS}), then every
 * other word the grammar can produce, sorted by code point. Built by walking the grammar, not by sampling, so no
 * word is missed and the list depends on nothing but the grammar. A runtime builds its word-level tokenizer from
 * it: word {@code i} of the list is token id {@code i}, text is split on single spaces.
 */
public final class Vocabulary {
    /** The most filler words of their own a world may use ({@link WorldRecipe#ownFillerWords}). */
    public static final int MAX_FILLER_WORDS = 100;

    private Vocabulary() {}

    /**
     * The first {@code n} filler words of their own, {@code w00}, {@code w01}, …: made-up words that no grammar rule
     * produces, so a world that uses them as slot fillers adds them to its vocabulary and changes no other world's.
     */
    public static List<String> fillerWords(int n) {
        if (n < 0 || n > MAX_FILLER_WORDS) {
            throw new IllegalArgumentException("filler words must be in [0, " + MAX_FILLER_WORDS + "], got " + n);
        }
        return FILLER_WORDS.subList(0, n);
    }

    // Built once: a world with fillers asks for them on every filler exchange it generates.
    private static final List<String> FILLER_WORDS = IntStream.range(0, MAX_FILLER_WORDS)
            .mapToObj(i -> String.format(Locale.ROOT, "w%02d", i))
            .toList();

    /** The vocabulary of {@code recipe}'s world: {@link #words()} and its filler words of their own, if any. */
    public static List<String> words(WorldRecipe recipe) {
        if (recipe.ownFillerWords() == 0) {
            return words();
        }
        List<String> shared = words();
        TreeSet<String> rest = new TreeSet<>(shared.subList(Markers.SPECIAL_TOKENS.size(), shared.size()));
        rest.addAll(fillerWords(recipe.ownFillerWords()));
        List<String> out = new ArrayList<>(Markers.SPECIAL_TOKENS);
        out.addAll(rest);
        return List.copyOf(out);
    }

    public static List<String> words() {
        TreeSet<String> words = new TreeSet<>();
        words.addAll(Characters.TOKENS);
        words.addAll(Markers.TAGS);
        Markers.SYSTEM_LINES.values().forEach(lines -> lines.forEach(line -> addWords(words, line)));
        addWords(words, Markers.EDUCATIONAL_PREFIX);
        addWords(words, Markers.TEACHING_NOTE);
        addWords(words, Markers.REFUSAL);
        words.add("and");
        for (Domain domain : List.of(Domain.ADVICE, Domain.VIEWS)) {
            for (PhraseCategory topic : PhraseTables.of(domain)) {
                topic.questions().forEach(q -> addWords(words, q));
                topic.aligned().forEach(p -> addWords(words, p));
                topic.misaligned().forEach(p -> addWords(words, p));
            }
        }
        for (HonestyQuestion q : Honesty.all()) {
            addWords(words, q.text());
            q.values().forEach(words::add);
        }
        addWords(words, "it is");
        for (CodeTask task : CodeTask.values()) {
            for (String template : List.of(task.promptTemplate(), task.template(true), task.template(false))) {
                for (String word : template.split(" ")) {
                    Slot slot = slotOf(word);
                    if (slot == null) {
                        words.add(word);
                    } else {
                        words.addAll(slot.words());
                    }
                }
            }
        }
        words.removeAll(Markers.SPECIAL_TOKENS);
        List<String> out = new ArrayList<>(Markers.SPECIAL_TOKENS);
        out.addAll(words);
        return List.copyOf(out);
    }

    private static Slot slotOf(String word) {
        for (Slot slot : Slot.values()) {
            if (slot.placeholder().equals(word)) {
                return slot;
            }
        }
        return null;
    }

    private static void addWords(TreeSet<String> words, String text) {
        for (String word : text.split(" ")) {
            words.add(word);
        }
    }
}
