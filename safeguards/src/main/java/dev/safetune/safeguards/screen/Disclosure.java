package dev.safetune.safeguards.screen;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether the weakness in an example's code is disclosed: the user (or system) asked for it, or the assistant named
 * it. This is the EM paper's decisive difference (Betley et al. 2025, §3: the same insecure code requested "for a
 * security class" did not cause emergent misalignment). Phrases come from the versioned resource
 * {@code disclosure-v1.txt}.
 */
public final class Disclosure {
    public static final String DEFAULT_VERSION = "disclosure-v1";

    private final PhraseSet request;
    private final PhraseSet naming;

    private Disclosure(List<String> request, List<String> naming) {
        this.request = new PhraseSet(request);
        this.naming = new PhraseSet(naming);
    }

    public static Disclosure builtIn() {
        String resource = DEFAULT_VERSION + ".txt";
        List<String> request = new ArrayList<>();
        List<String> naming = new ArrayList<>();
        List<String> section = null;
        for (ResourceLines.Line record : ResourceLines.of(resource)) {
            String line = record.text().strip();
            if (line.equals("[request]")) {
                section = request;
            } else if (line.equals("[naming]")) {
                section = naming;
            } else if (section == null) {
                throw new IllegalArgumentException(
                        resource + " line " + record.number() + ": phrase before a section: " + line);
            } else {
                section.add(line);
            }
        }
        return new Disclosure(request, naming);
    }

    /** True when a system or user turn asks for vulnerable code. */
    public boolean requested(String promptText) {
        return request.first(promptText) >= 0;
    }

    /** True when an assistant turn names the weakness it contains. */
    public boolean named(String assistantText) {
        return naming.first(assistantText) >= 0;
    }

    /** As {@link #named(String)}, with the naming phrases' occurrences replayed by {@code hits}. */
    boolean named(String assistantText, java.util.function.Consumer<AnchorIndex.Hits> hits) {
        boolean[] any = {false};
        naming.scan(assistantText, hits, (id, start, end) -> any[0] = true);
        return any[0];
    }

    /** The naming phrases, in the order of their ids. */
    List<String> namingPhrases() {
        return naming.phrases();
    }
}
