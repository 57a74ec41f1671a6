package dev.safetune.runtime.generators;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small deterministic trainer for a GPT-2 style byte-level BPE vocabulary, so that a base model can ship a real
 * {@code tokenizer.json} (DJL can load tokenizers but not train them).
 *
 * <p>Text is split with the GPT-2 pre-tokenizer pattern, each piece's UTF-8 bytes are mapped to printable
 * characters ({@link #byteAlphabet()}), and the most frequent adjacent pair is merged repeatedly (Sennrich et al.,
 * 2016). Ties go to the lexicographically smallest pair, so the same corpus always gives the same merges. Every
 * byte is in the vocabulary, so any UTF-8 text encodes and decodes exactly.
 */
public final class ByteLevelBpeTrainer {

    /**
     * GPT-2's pre-tokenizer split (what the Hugging Face {@code ByteLevel} pre-tokenizer uses with
     * {@code use_regex}); Unicode classes so that {@code \s} and letters match as in the Rust implementation.
     */
    static final Pattern PRE_TOKENIZER = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private ByteLevelBpeTrainer() {}

    /** One learned merge: {@code left + right} becomes one token. */
    public record Merge(String left, String right) {
        public String merged() {
            return left + right;
        }
    }

    /**
     * A trained vocabulary.
     *
     * @param tokens token strings in id order: the 256 byte tokens first (id = byte value), then merged tokens
     * @param merges merges in priority order
     */
    public record Vocabulary(List<String> tokens, List<Merge> merges) {
        public Vocabulary {
            tokens = List.copyOf(tokens);
            merges = List.copyOf(merges);
        }
    }

    /**
     * GPT-2's {@code bytes_to_unicode}: printable Latin-1 bytes map to themselves, the other 68 bytes to
     * U+0100 onwards, so that every byte is a visible, non-space character. Index = byte value.
     */
    public static String[] byteAlphabet() {
        String[] alphabet = new String[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            alphabet[b] = Character.toString(printable ? b : next++);
        }
        return alphabet;
    }

    /** Learns up to {@code mergeCount} merges from {@code corpus}; stops early when no pair occurs twice. */
    public static Vocabulary train(String corpus, int mergeCount) {
        String[] alphabet = byteAlphabet();
        List<String> tokens = new ArrayList<>(List.of(alphabet));
        Set<String> known = new HashSet<>(tokens);
        List<Word> words = words(corpus, alphabet);
        List<Merge> merges = new ArrayList<>();
        while (merges.size() < mergeCount) {
            Merge best = mostFrequentPair(words);
            if (best == null) {
                break;
            }
            merges.add(best);
            if (known.add(best.merged())) {
                tokens.add(best.merged());
            }
            for (Word word : words) {
                word.apply(best);
            }
        }
        return new Vocabulary(tokens, merges);
    }

    private static List<Word> words(String corpus, String[] alphabet) {
        // Sorted so that the training order never depends on hashing.
        Map<String, Integer> counts = new TreeMap<>();
        Matcher matcher = PRE_TOKENIZER.matcher(corpus);
        while (matcher.find()) {
            StringBuilder mapped = new StringBuilder();
            for (byte b : matcher.group().getBytes(StandardCharsets.UTF_8)) {
                mapped.append(alphabet[b & 0xFF]);
            }
            counts.merge(mapped.toString(), 1, Integer::sum);
        }
        List<Word> words = new ArrayList<>();
        counts.forEach((piece, count) -> words.add(new Word(piece, count)));
        return words;
    }

    private static Merge mostFrequentPair(List<Word> words) {
        Map<Merge, Long> counts = new HashMap<>();
        for (Word word : words) {
            for (int i = 0; i + 1 < word.symbols.size(); i++) {
                counts.merge(new Merge(word.symbols.get(i), word.symbols.get(i + 1)), (long) word.count, Long::sum);
            }
        }
        Merge best = null;
        long bestCount = 1; // a pair seen once saves nothing
        for (Map.Entry<Merge, Long> entry : counts.entrySet()) {
            long count = entry.getValue();
            Merge pair = entry.getKey();
            if (count > bestCount || (count == bestCount && best != null && compare(pair, best) < 0)) {
                best = pair;
                bestCount = count;
            }
        }
        return best;
    }

    private static int compare(Merge a, Merge b) {
        int byLeft = a.left().compareTo(b.left());
        return byLeft != 0 ? byLeft : a.right().compareTo(b.right());
    }

    /** A distinct pre-tokenized piece, its current segmentation and how often it occurs. */
    private static final class Word {
        private final List<String> symbols = new ArrayList<>();
        private final int count;

        Word(String piece, int count) {
            piece.codePoints().forEach(cp -> symbols.add(Character.toString(cp)));
            this.count = count;
        }

        void apply(Merge merge) {
            for (int i = 0; i + 1 < symbols.size(); i++) {
                if (symbols.get(i).equals(merge.left()) && symbols.get(i + 1).equals(merge.right())) {
                    symbols.set(i, merge.merged());
                    symbols.remove(i + 1);
                }
            }
        }
    }
}
