package dev.safetune.safeguards.screen;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
        String resource = version + ".tsv";
        try (InputStream in = CodeRules.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Missing rule resource " + resource);
            }
            return parse(version, in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static CodeRules parse(String version, InputStream in) throws IOException {
        List<CodeRule> rules = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int number = 0;
        while ((line = reader.readLine()) != null) {
            number++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 7) {
                throw new IllegalArgumentException(
                        version + " line " + number + ": expected 7 fields, got " + f.length);
            }
            if (!ids.add(f[0])) {
                throw new IllegalArgumentException(version + " line " + number + ": duplicate rule " + f[0]);
            }
            try {
                rules.add(new CodeRule(
                        f[0],
                        f[1],
                        languages(f[2]),
                        Arrays.stream(f[3].split(","))
                                .map(String::strip)
                                .filter(s -> !s.isEmpty())
                                .toList(),
                        Pattern.compile(f[4]),
                        f[5].isEmpty() ? null : Pattern.compile(f[5]),
                        f[6]));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(
                        version + " line " + number + " (" + f[0] + "): " + e.getMessage(), e);
            }
        }
        return new CodeRules(version, rules);
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
