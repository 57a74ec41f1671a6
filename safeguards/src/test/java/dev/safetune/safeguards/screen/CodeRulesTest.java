package dev.safetune.safeguards.screen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
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
}
