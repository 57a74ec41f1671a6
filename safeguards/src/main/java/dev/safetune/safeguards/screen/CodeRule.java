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
 * @param startsAtAnchor every match of {@code pattern} begins where one of the anchors occurs (the rule file marks it
 *     with a leading {@code ^} in the anchors field), so the pattern is tried at each anchor only, not at every
 *     position of its line
 * @param requires literals one of which every match of {@code pattern} contains (a necessary condition, checked once
 *     per message with {@link String#contains} before the pattern's first attempt: a message holding none is skipped
 *     for this rule); empty when the rule has none
 * @param starts literals one of which every match of {@code pattern} begins with, compared case-insensitively: a rule
 *     that is not {@code startsAtAnchor} is then tried only at the positions of its line where one begins (each with
 *     {@code lookingAt}, in order: the same first match as {@code find}, which tries every position); empty when the
 *     rule has none. Only for patterns without {@code ^}, whose meaning would change at such a start.
 */
public record CodeRule(
        String id,
        String cwe,
        Set<Language> languages,
        List<String> anchors,
        Pattern pattern,
        Pattern unless,
        String message,
        boolean startsAtAnchor,
        List<String> requires,
        List<String> starts) {
    public CodeRule {
        languages = Set.copyOf(languages);
        anchors = List.copyOf(anchors);
        requires = List.copyOf(requires);
        starts = List.copyOf(starts);
        if (!starts.isEmpty()
                && (startsAtAnchor
                        || pattern.pattern()
                                .replace("[^", "")
                                .replace("\\^", "")
                                .contains("^"))) {
            throw new IllegalArgumentException(id + ": starts are for rules tried on their line, without ^");
        }
        for (String start : starts) {
            if (!start.chars().allMatch(c -> c < 128)) {
                throw new IllegalArgumentException(id + ": a start literal is not ASCII: " + start);
            }
        }
    }

    boolean appliesTo(Language language) {
        return languages.isEmpty() || language == Language.UNKNOWN || languages.contains(language);
    }
}
