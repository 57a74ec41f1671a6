package dev.safetune.safeguards.screen;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One insecure-code rule, a line of {@code code-rules-v1.tsv}.
 *
 * @param id stable name, e.g. {@code SQL-FSTRING}
 * @param cwe the weakness, e.g. {@code CWE-89}
 * @param languages where it applies; empty means every language
 * @param anchors lower-case literals, one of which must occur for the pattern to be tried
 * @param pattern tried on a window of at most {@link CodeScanner#WINDOW} characters around an anchor
 * @param unless when found anywhere in the same message, the weakness counts as mitigated (no finding); may be null
 * @param message what the finding says
 */
public record CodeRule(
        String id,
        String cwe,
        Set<Language> languages,
        List<String> anchors,
        Pattern pattern,
        Pattern unless,
        String message) {
    public CodeRule {
        languages = Set.copyOf(languages);
        anchors = List.copyOf(anchors);
    }

    boolean appliesTo(Language language) {
        return languages.isEmpty() || language == Language.UNKNOWN || languages.contains(language);
    }
}
