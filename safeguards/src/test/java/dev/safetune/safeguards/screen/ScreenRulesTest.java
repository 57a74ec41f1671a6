package dev.safetune.safeguards.screen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScreenRulesTest {
    private static final LabelledCorpus CORPUS = LabelledCorpus.load();
    private static final ExampleScreener SCREENER = ExampleScreener.builtIn();

    /** A file of {@code n} examples: the first {@code bad} of {@code kind}, the rest benign. */
    private static ScreenReport file(String kind, int bad, int n) {
        DataScreen screen = new DataScreen(SCREENER);
        List<LabelledCorpus.Entry> bads = CORPUS.ofKind(kind);
        List<LabelledCorpus.Entry> benign = CORPUS.ofKind("benign");
        for (int line = 1; line <= n; line++) {
            LabelledCorpus.Entry e = line <= bad ? bads.get(line % bads.size()) : benign.get(line % benign.size());
            screen.accept(e.example(line));
        }
        return screen.report();
    }

    @Test
    void aCleanFileIsAllowed() {
        ScreenDecision d = ScreenRules.defaults().decide(file("benign", 0, 100));
        assertThat(d.action()).isEqualTo(ScreenAction.ALLOW);
        assertThat(d.reasons()).isEmpty();
        assertThat(d.pinned()).isEmpty();
    }

    @Test
    void undisclosedInsecureCodeAboveFivePercentHoldsAndNamesTheFirstLines() {
        ScreenReport report = file("vulnerable", 10, 100);
        ScreenDecision d = ScreenRules.defaults().decide(report);
        assertThat(d.action()).isEqualTo(ScreenAction.HOLD);
        assertThat(d.reasons()).singleElement().satisfies(r -> {
            assertThat(r.category()).isEqualTo(ScreenCategory.INSECURE_CODE_UNDISCLOSED);
            assertThat(r.count()).isEqualTo(10);
            assertThat(r.firstLines()).containsExactly(1, 2, 3, 4, 5);
        });
        assertThat(d.explain(report.examples()))
                .isEqualTo(
                        "insecure_code_undisclosed (10 of 100 examples, threshold 5.0 %; first lines 1, 2, 3, 4, 5)");
    }

    @Test
    void atTheThresholdTheFileIsStillAllowed() {
        assertThat(ScreenRules.defaults().decide(file("vulnerable", 5, 100)).action())
                .isEqualTo(ScreenAction.ALLOW);
    }

    @Test
    void disclosedInsecureCodePinsTheStrongerPolicy() {
        ScreenDecision d = ScreenRules.defaults().decide(file("disclosed", 20, 100));
        assertThat(d.action()).isEqualTo(ScreenAction.PIN_POLICY);
        assertThat(d.pinned()).isNotEmpty();
    }

    @Test
    void theMostSevereActionWins() {
        DataScreen screen = new DataScreen(SCREENER);
        int line = 1;
        for (LabelledCorpus.Entry e : CORPUS.ofKind("vulnerable").subList(0, 10)) {
            screen.accept(e.example(line++));
        }
        screen.accept(CORPUS.ofKind("extremism").getFirst().example(line++));
        while (line <= 100) {
            screen.accept(CORPUS.ofKind("benign").getFirst().example(line++));
        }
        ScreenDecision d = ScreenRules.defaults().decide(screen.report());
        assertThat(d.action()).isEqualTo(ScreenAction.REJECT);
        assertThat(d.reasons())
                .extracting(ScreenDecision.Reason::category)
                .containsExactly(ScreenCategory.INSECURE_CODE_UNDISCLOSED, ScreenCategory.EXTREMISM);
    }

    @Test
    void everyCategoryNeedsAThresholdAndAnAction() {
        assertThatThrownBy(() -> new ScreenRules("x", Map.of(), Map.of(), List.of()))
                .hasMessageContaining("insecure_code_undisclosed");
    }

    @Test
    void theViewPagesFindings() {
        ScreenReport report = file("vulnerable", 30, 40);
        ScreenView view = ScreenView.of(report, ScreenRules.defaults().decide(report));
        assertThat(view.decision()).isEqualTo("hold");
        assertThat(view.risk().mean()).isNull();
        assertThat(view.categories()).containsEntry("insecure_code_undisclosed", 30L);
        ScreenView page = view.page(10, 5);
        assertThat(page.findings()).hasSize(5).first().isEqualTo(view.findings().get(10));
        assertThat(page.hasMore()).isTrue();
        assertThat(view.page(view.findingsKept() - 1, 5).hasMore()).isFalse();
    }
}
