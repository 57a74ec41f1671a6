package dev.safetune.safeguards.screen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CodeRulesTest {
    @Test
    void builtInRulesCoverEveryLanguageOfTheIssueAndNameACwe() {
        CodeRules rules = CodeRules.builtIn();
        assertThat(rules.version()).isEqualTo("code-rules-v1");
        assertThat(rules.rules()).allSatisfy(rule -> {
            assertThat(rule.cwe()).matches("CWE-\\d+");
            assertThat(rule.anchors())
                    .isNotEmpty()
                    .allSatisfy(a -> assertThat(a).isEqualTo(a.toLowerCase()));
        });
        Set<Language> covered =
                rules.rules().stream().flatMap(r -> r.languages().stream()).collect(Collectors.toSet());
        assertThat(covered)
                .contains(
                        Language.PYTHON,
                        Language.JAVASCRIPT,
                        Language.JAVA,
                        Language.C,
                        Language.SQL,
                        Language.SHELL,
                        Language.PHP,
                        Language.GO);
        Set<String> cwes = rules.rules().stream().map(CodeRule::cwe).collect(Collectors.toSet());
        assertThat(cwes)
                .contains(
                        "CWE-89", "CWE-78", "CWE-95", "CWE-502", "CWE-732", "CWE-295", "CWE-798", "CWE-22", "CWE-79",
                        "CWE-916", "CWE-601", "CWE-918", "CWE-377");
    }

    /**
     * Requires-literals let the scanner skip a message, so one of them must lie inside every match of its rule's
     * pattern. Checked on the labelled corpus, on near-miss shapes of the gated rules, and on random text built from
     * their characters.
     */
    @Test
    void everyMatchOfARuleContainsOneOfItsRequiresLiterals() {
        List<CodeRule> gated = CodeRules.builtIn().rules().stream()
                .filter(r -> !r.requires().isEmpty())
                .toList();
        assertThat(gated).extracting(CodeRule::id).contains("XSS-FORMAT-HTML-BLOCK", "PATH-REQUEST-JOIN");
        List<String> texts = new ArrayList<>();
        for (LabelledCorpus.Entry entry : LabelledCorpus.load().entries()) {
            entry.messages().forEach(m -> texts.add(m.content()));
        }
        texts.add("html = \"\"\"<p>%s</p>\"\"\" % name\nt = '''<b>{}</b>'''.format(x)\n");
        texts.add("doc = \"\"\"<p>{}</p>\"\"\"\n\n  .format(x)\ny = '''<a>'''   %(x)");
        Random random = new Random(25);
        String[] pieces = {
            "\"\"\"",
            "'''",
            "\"",
            "'",
            "<p>",
            "</a>",
            "<",
            "%",
            "%s",
            ".format(",
            "{}",
            "{x}",
            " ",
            "\n",
            "f",
            "x = ",
            "\t",
            "open(",
            "Path(",
            "request.args",
            "request.",
            "{{",
            "Template(",
            "+",
            "requests.get(",
            "x"
        };
        for (int t = 0; t < 20_000; t++) {
            StringBuilder s = new StringBuilder();
            int n = 3 + random.nextInt(30);
            for (int i = 0; i < n; i++) {
                s.append(pieces[random.nextInt(pieces.length)]);
            }
            texts.add(s.toString());
        }
        int matches = 0;
        for (CodeRule rule : gated) {
            for (String text : texts) {
                Matcher m = rule.pattern().matcher(text);
                while (m.find()) {
                    matches++;
                    String span = text.substring(m.start(), m.end());
                    assertThat(rule.requires().stream().anyMatch(span::contains))
                            .as("%s: a requires-literal inside %s", rule.id(), span)
                            .isTrue();
                }
            }
        }
        assertThat(matches).isGreaterThan(100);
    }

    /**
     * A rule marked {@code ^} is tried at its anchors only, so every match of its pattern must begin at one of them:
     * checked on the labelled corpus and on random text built from the rules' own literals.
     */
    @Test
    void everyMatchOfARuleMarkedToStartAtAnAnchorDoes() {
        List<CodeRule> marked = CodeRules.builtIn().rules().stream()
                .filter(CodeRule::startsAtAnchor)
                .toList();
        assertThat(marked).extracting(CodeRule::id).contains("XSS-FSTRING-HTML", "PATH-REQUEST-JOIN");
        List<String> texts = new ArrayList<>();
        for (LabelledCorpus.Entry entry : LabelledCorpus.load().entries()) {
            entry.messages().forEach(m -> texts.add(m.content()));
        }
        Random random = new Random(26);
        String[] pieces = {
            "\"\"\"",
            "'''",
            "\"",
            "'",
            "<p>",
            "<",
            "%",
            "{}",
            "{x}",
            " ",
            "\n",
            "f",
            "F",
            "x",
            "(",
            ")",
            ".",
            "=",
            "open",
            "Path",
            "os.path.join",
            "request.args",
            "yaml",
            "load",
            "Template",
            "chmod",
            "777",
            "execute",
            "SELECT ",
            "+ ",
            "subprocess",
            "call",
            "system",
            "render_template_string",
            "_",
            ".execute(",
            ".extractall(",
            ".extract(",
            "cur",
            ".format("
        };
        for (int t = 0; t < 20_000; t++) {
            StringBuilder s = new StringBuilder();
            int n = 3 + random.nextInt(25);
            for (int i = 0; i < n; i++) {
                s.append(pieces[random.nextInt(pieces.length)]);
            }
            texts.add(s.toString());
        }
        int matches = 0;
        for (CodeRule rule : marked) {
            for (String text : texts) {
                Matcher m = rule.pattern().matcher(text);
                while (m.find()) {
                    matches++;
                    int at = m.start();
                    assertThat(rule.anchors().stream().anyMatch(a -> text.regionMatches(true, at, a, 0, a.length())))
                            .as("%s: match %s starts at an anchor", rule.id(), text.substring(at, m.end()))
                            .isTrue();
                }
            }
        }
        assertThat(matches).isGreaterThan(100);
    }

    @Test
    void anOptionalEighthFieldHoldsTheRequiresLiteralsAndGatesTheRule() throws Exception {
        String text = "# header\nX-1\tCWE-1\t*\tx(\tx\\(\\d\t\tmsg\nX-2\tCWE-2\t*\tx(\tx\\(\\d\t\tmsg\t(7,(8\n";
        CodeRules rules = CodeRules.parse("t", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertThat(rules.rules().get(0).requires()).isEmpty();
        assertThat(rules.rules().get(1).requires()).containsExactly("(7", "(8");
        CodeScanner scanner = new CodeScanner(rules);
        assertThat(scanner.scan("x(1)\nx(2)").matches())
                .extracting(m -> m.rule().id())
                .containsExactly("X-1", "X-1");
        assertThat(scanner.scan("x(1)\nx(7)").matches())
                .extracting(m -> m.rule().id())
                .containsExactlyInAnyOrder("X-1", "X-1", "X-2", "X-2");
    }

    @Test
    void aMalformedRuleNamesItsLine() {
        String text = "# header\nX-1\tCWE-1\tpy\tx\t(unclosed\t\tbroken\n";
        assertThatThrownBy(() -> CodeRules.parse("t", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))))
                .hasMessageContaining("line 2")
                .hasMessageContaining("X-1");
    }

    @Test
    void anchorIndexFindsOverlappingLiteralsCaseInsensitively() {
        AnchorIndex index = new AnchorIndex(java.util.List.of("he", "she", "hers", "his"));
        StringBuilder hits = new StringBuilder();
        index.scan(
                "uSHErs",
                0,
                6,
                (id, start) -> hits.append(id).append('@').append(start).append(' '));
        assertThat(hits.toString().strip()).isEqualTo("1@1 0@2 2@2");
    }

    @Test
    void unlessHintsAreTheLiteralEveryAlternativeStartsWith() {
        assertThat(CodeScanner.literalHints(
                        java.util.regex.Pattern.compile("escape\\(|html\\.escape|autoescape\\s{0,2}=|https?://x")))
                .containsExactly("escape(", "html.escape", "autoescape", "http");
        // An alternative without a literal start of three characters: no hint, the regex always runs.
        assertThat(CodeScanner.literalHints(java.util.regex.Pattern.compile("abc|\\|\\s{0,2}e")))
                .isNull();
        assertThat(CodeScanner.literalHints(java.util.regex.Pattern.compile("(?i)escape")))
                .isNull();
        assertThat(CodeScanner.literalHints(java.util.regex.Pattern.compile("(?:a|b)xyz")))
                .isNull();
    }

    @Test
    void anUnlessPatternTriedAtItsHintsFindsWhatFindFinds() {
        List<CodeRule> hinted = CodeRules.builtIn().rules().stream()
                .filter(r -> r.unless() != null && CodeScanner.literalHints(r.unless()) != null)
                .toList();
        assertThat(hinted).hasSizeGreaterThan(10);
        List<String> texts = new ArrayList<>();
        for (LabelledCorpus.Entry entry : LabelledCorpus.load().entries()) {
            entry.messages().forEach(m -> texts.add(m.content()));
        }
        // Texts assembled from the unless-patterns' own pieces, so that near misses and overlapping hints occur.
        List<String> pieces =
                new ArrayList<>(List.of(" ", "\n", "=", " = ", "(", ")", "'", "\"", "data", "True", "x", "."));
        for (CodeRule rule : hinted) {
            pieces.addAll(List.of(CodeScanner.literalHints(rule.unless())));
        }
        Random random = new Random(25);
        for (int t = 0; t < 20_000; t++) {
            StringBuilder s = new StringBuilder();
            int n = 1 + random.nextInt(12);
            for (int i = 0; i < n; i++) {
                s.append(pieces.get(random.nextInt(pieces.size())));
            }
            texts.add(s.toString());
        }
        int found = 0;
        for (CodeRule rule : hinted) {
            String[] hints = CodeScanner.literalHints(rule.unless());
            for (String text : texts) {
                boolean expected = rule.unless().matcher(text).find();
                assertThat(CodeScanner.found(rule.unless(), hints, text))
                        .as("%s on %s", rule.id(), text)
                        .isEqualTo(expected);
                found += expected ? 1 : 0;
            }
        }
        assertThat(found).isGreaterThan(1000);
    }

    @Test
    void everyMatchOfARuleWithStartLiteralsBeginsWithOneAndTheirFindIsFind() {
        List<CodeRule> started = CodeRules.builtIn().rules().stream()
                .filter(r -> !r.starts().isEmpty())
                .toList();
        assertThat(started)
                .extracting(CodeRule::id)
                .contains("SQL-FSTRING", "SQL-CONCAT", "XSS-AUTOESCAPE", "XSS-FORMAT-HTML", "SECRET-ASSIGN");
        List<String> texts = new ArrayList<>();
        for (LabelledCorpus.Entry entry : LabelledCorpus.load().entries()) {
            entry.messages().forEach(m -> texts.add(m.content()));
        }
        List<String> pieces = new ArrayList<>(List.of(
                " ",
                "\n",
                "=",
                " = ",
                ":",
                "(",
                ")",
                "'",
                "\"",
                "\"\"\"",
                "f",
                "F",
                "x",
                ".",
                "_",
                "{",
                "}",
                "{x}",
                "SELECT ",
                "select",
                "delete",
                "0o777",
                "0666",
                "False",
                "off",
                "re.compile(",
                "r'",
                "com",
                "\\.",
                "new RegExp(",
                "_pattern",
                "password",
                "PWD",
                "api_key",
                "access_token",
                "s3cr3tValue",
                "autoescape",
                "{% autoescape false",
                "chmod",
                "open",
                "makedirs",
                "%}",
                "w",
                "9",
                "<p>",
                "</a>",
                "%s",
                "{}",
                "{0}",
                " % ",
                "+ x",
                " + y;",
                ".format(",
                "INSERT INTO t",
                "delete from",
                "html"));
        for (CodeRule rule : started) {
            pieces.addAll(rule.starts());
        }
        Random random = new Random(27);
        for (int t = 0; t < 20_000; t++) {
            StringBuilder s = new StringBuilder();
            int n = 2 + random.nextInt(20);
            for (int i = 0; i < n; i++) {
                s.append(pieces.get(random.nextInt(pieces.size())));
            }
            texts.add(s.toString());
        }
        int matches = 0;
        for (CodeRule rule : started) {
            CodeScanner.Starts starts = CodeScanner.Starts.of(rule.starts());
            for (String text : texts) {
                Matcher m = rule.pattern().matcher(text);
                Matcher viaStarts = rule.pattern().matcher(text).useTransparentBounds(true);
                int from = 0;
                while (true) {
                    m.useTransparentBounds(true).region(from, text.length());
                    boolean found = m.find();
                    assertThat(starts.find(viaStarts, text, from, text.length()))
                            .as("%s on %s from %d", rule.id(), text, from)
                            .isEqualTo(found);
                    if (!found) {
                        break;
                    }
                    matches++;
                    int at = m.start();
                    assertThat(rule.starts().stream().anyMatch(a -> text.regionMatches(true, at, a, 0, a.length())))
                            .as("%s: match %s begins with a start literal", rule.id(), text.substring(at, m.end()))
                            .isTrue();
                    assertThat(viaStarts.start()).isEqualTo(m.start());
                    assertThat(viaStarts.end()).isEqualTo(m.end());
                    from = m.end() > at ? m.end() : at + 1;
                }
            }
        }
        assertThat(matches).isGreaterThan(500);
    }

    @Test
    void startLiteralsAreANinthFieldAndNotForPatternsAnchoredWithACaret() throws Exception {
        String ok = "# header\nX-1\tCWE-1\t*\tx(\tx\\(\\d\t\tmsg\t\tx(\n";
        CodeRules rules = CodeRules.parse("t", new ByteArrayInputStream(ok.getBytes(StandardCharsets.UTF_8)));
        assertThat(rules.rules().get(0).starts()).containsExactly("x(");
        assertThat(new CodeScanner(rules).scan("a x(1) X(2)").matches())
                .extracting(CodeScanner.Match::start)
                .containsExactly(2);
        String caret = "# header\nX-1\tCWE-1\t*\tx(\t^x\\(\\d\t\tmsg\t\tx(\n";
        assertThatThrownBy(() -> CodeRules.parse("t", new ByteArrayInputStream(caret.getBytes(StandardCharsets.UTF_8))))
                .hasMessageContaining("without ^");
    }
}
