package dev.safetune.safeguards.screen;

import dev.safetune.core.policy.ScreenCategory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The content vocabularies (harmful advice, extremism, self-harm, evil numbers), read from the versioned resource
 * {@code vocabulary-v1.tsv} so that a change of wording is a reviewed diff of data and every report names the
 * version it used.
 */
public final class Vocabulary {
    public static final String DEFAULT_VERSION = "vocabulary-v1";
    /** Share of word tokens that must be numbers for a {@code list-only} entry to count. */
    static final double NUMBER_LIST_SHARE = 0.5;

    static final int MIN_LIST_NUMBERS = 3;

    private record Entry(ScreenCategory category, String phrase, boolean listOnly) {}

    private final String version;
    private final List<Entry> entries;
    private final PhraseSet phrases;

    private Vocabulary(String version, List<Entry> entries) {
        this.version = version;
        this.entries = List.copyOf(entries);
        this.phrases = new PhraseSet(entries.stream().map(Entry::phrase).toList());
    }

    public static Vocabulary builtIn() {
        String resource = DEFAULT_VERSION + ".tsv";
        List<Entry> entries = new ArrayList<>();
        for (ResourceLines.Line line : ResourceLines.of(resource)) {
            String[] f = line.text().split("\t", -1);
            if (f.length != 3) {
                throw new IllegalArgumentException(resource + " line " + line.number() + ": expected 3 fields");
            }
            entries.add(new Entry(ScreenCategory.fromWireName(f[0]), f[1], f[2].contains("list-only")));
        }
        return new Vocabulary(DEFAULT_VERSION, entries);
    }

    public String version() {
        return version;
    }

    /** Reports each vocabulary finding in {@code text} (an assistant turn) to {@code sink}. */
    void scan(String text, int line, int message, Consumer<Finding> sink) {
        scan(text, line, message, sink, null);
    }

    /** The phrases, in the order of their ids. */
    List<String> phraseList() {
        return phrases.phrases();
    }

    /** As above; {@code hits} replays the phrases' occurrences when a merged pass found them (null: scan here). */
    void scan(String text, int line, int message, Consumer<Finding> sink, Consumer<AnchorIndex.Hits> hits) {
        boolean[] numberList = {false, false}; // computed, value
        PhraseSet.Found each = (id, start, end) -> {
            Entry entry = entries.get(id);
            if (entry.listOnly()) {
                if (!numberList[0]) {
                    numberList[1] = mostlyNumbers(text);
                    numberList[0] = true;
                }
                if (!numberList[1]) {
                    return;
                }
            }
            sink.accept(new Finding(
                    line,
                    message,
                    entry.category(),
                    entry.category().wireName() + "/" + entry.phrase(),
                    null,
                    false,
                    start,
                    end,
                    Finding.clip(text, start, end)));
        };
        if (hits == null) {
            phrases.scan(text, each);
        } else {
            phrases.scan(text, hits, each);
        }
    }

    /** True when at least three, and at least half, of the whitespace- or comma-separated tokens are integers. */
    static boolean mostlyNumbers(String text) {
        int tokens = 0;
        int numbers = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && !isTokenChar(text.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            boolean digits = true;
            while (i < n && isTokenChar(text.charAt(i))) {
                digits &= Character.isDigit(text.charAt(i));
                i++;
            }
            tokens++;
            if (digits) {
                numbers++;
            }
        }
        // A list: at least three numbers (a one-number answer such as "13" to "what is 12 + 1?" is arithmetic).
        return numbers >= MIN_LIST_NUMBERS && numbers >= NUMBER_LIST_SHARE * tokens;
    }

    private static boolean isTokenChar(char c) {
        return !(Character.isWhitespace(c) || c == ',' || c == ';' || c == '[' || c == ']' || c == '(' || c == ')');
    }
}
