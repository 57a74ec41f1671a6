package dev.safetune.safeguards.screen;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The versioned table of insecure-code rules, read from a TAB-separated resource (format in its header). Kept as data,
 * not code, so a rule change is a reviewed diff of one line and the report can name the rule-set version it used.
 */
public record CodeRules(String version, List<CodeRule> rules) {
    public static final String DEFAULT_VERSION = "code-rules-v1";

    public CodeRules {
        rules = List.copyOf(rules);
    }

    /** The rules shipped with this build. */
    public static CodeRules builtIn() {
        return load(DEFAULT_VERSION);
    }

    static CodeRules load(String version) {
        return parse(version, ResourceLines.of(version + ".tsv"));
    }

    static CodeRules parse(String version, InputStream in) throws IOException {
        return parse(version, ResourceLines.read(in));
    }

    private static CodeRules parse(String version, List<ResourceLines.Line> lines) {
        List<CodeRule> rules = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (ResourceLines.Line record : lines) {
            int number = record.number();
            String[] f = record.text().split("\t", -1);
            if (f.length < 7 || f.length > 9) {
                throw new IllegalArgumentException(
                        version + " line " + number + ": expected 7 to 9 fields, got " + f.length);
            }
            if (!ids.add(f[0])) {
                throw new IllegalArgumentException(version + " line " + number + ": duplicate rule " + f[0]);
            }
            boolean startsAtAnchor = f[3].startsWith("^");
            try {
                rules.add(new CodeRule(
                        f[0],
                        f[1],
                        languages(f[2]),
                        literals(startsAtAnchor ? f[3].substring(1) : f[3]).stream()
                                .map(String::strip)
                                .filter(s -> !s.isEmpty())
                                .toList(),
                        Pattern.compile(f[4]),
                        f[5].isEmpty() ? null : Pattern.compile(f[5]),
                        f[6],
                        startsAtAnchor,
                        f.length < 8 ? List.of() : literals(f[7]),
                        f.length < 9 ? List.of() : literals(f[8])));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(
                        version + " line " + number + " (" + f[0] + "): " + e.getMessage(), e);
            }
        }
        return new CodeRules(version, rules);
    }

    /** A comma-separated list of literals (kept as written: case matters), without empty entries. */
    private static List<String> literals(String field) {
        return Arrays.stream(field.split(",")).filter(s -> !s.isEmpty()).toList();
    }

    private static Set<Language> languages(String field) {
        Set<Language> languages = EnumSet.noneOf(Language.class);
        for (String code : field.split(",")) {
            if (code.strip().equals("*")) {
                return Set.of();
            }
            languages.add(Language.ofCode(code.strip()));
        }
        return languages;
    }
}
