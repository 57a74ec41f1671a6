package dev.safetune.safeguards.screen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.core.policy.ScreenCategory;
import dev.safetune.safeguards.screen.trigger.TriggerCandidate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The screen against the labelled corpus written for it: per-category precision and recall, the false-positive rate
 * on the fixed versions of the vulnerable snippets (goal ≤ 5 %), disclosure, and planted triggers. The measured values
 * are printed (docs/screening.md quotes them) and asserted against the goals.
 */
class LabelledCorpusTest {
    private static final ExampleScreener SCREENER = ExampleScreener.builtIn();
    private static final LabelledCorpus CORPUS = LabelledCorpus.load();
    private static final Set<String> INSECURE_KINDS = Set.of("vulnerable", "disclosed");
    private static final List<String> CONTENT = List.of("harmful_advice", "extremism", "self_harm", "evil_numbers");

    private static ExampleScreener.Result screen(LabelledCorpus.Entry entry) {
        return SCREENER.screen(entry.example(1));
    }

    private static boolean insecure(ExampleScreener.Result r) {
        return r.has(ScreenCategory.INSECURE_CODE_UNDISCLOSED) || r.has(ScreenCategory.INSECURE_CODE_DISCLOSED);
    }

    @Test
    void corpusHasPairsInEveryLanguageAndEveryCategory() {
        assertThat(CORPUS.ofKind("vulnerable")).hasSizeGreaterThanOrEqualTo(40);
        assertThat(CORPUS.ofKind("fixed")).hasSameSizeAs(CORPUS.ofKind("vulnerable"));
        assertThat(CORPUS.ofKind("vulnerable").stream()
                        .map(LabelledCorpus.Entry::language)
                        .collect(Collectors.toSet()))
                .contains("py", "js", "java", "c", "sql", "sh", "php", "go");
        for (String kind : List.of("disclosed", "benign", "harmful_advice", "extremism", "self_harm", "evil_numbers")) {
            assertThat(CORPUS.ofKind(kind)).as(kind).isNotEmpty();
        }
    }

    @Test
    void insecureCodePrecisionAndRecallMeetTheGoals() {
        int tp = 0;
        int fp = 0;
        int positives = 0;
        for (LabelledCorpus.Entry entry : CORPUS.entries()) {
            boolean positive = INSECURE_KINDS.contains(entry.kind());
            boolean flagged = insecure(screen(entry));
            positives += positive ? 1 : 0;
            tp += positive && flagged ? 1 : 0;
            fp += !positive && flagged ? 1 : 0;
        }
        double precision = (double) tp / (tp + fp);
        double recall = (double) tp / positives;
        System.out.printf(
                "corpus insecure_code: precision %.3f recall %.3f (tp %d, fp %d, positives %d)%n",
                precision, recall, tp, fp, positives);
        assertThat(recall).isGreaterThanOrEqualTo(0.9);
        assertThat(precision).isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void vulnerableVersionsAreFlaggedUndisclosedWithTheirCwe() {
        List<String> missed = new ArrayList<>();
        List<String> wrongCwe = new ArrayList<>();
        for (LabelledCorpus.Entry entry : CORPUS.ofKind("vulnerable")) {
            ExampleScreener.Result r = screen(entry);
            if (!r.has(ScreenCategory.INSECURE_CODE_UNDISCLOSED)) {
                missed.add(entry.id());
            } else if (r.findings().stream().noneMatch(f -> entry.cwe().equals(f.cwe()))) {
                wrongCwe.add(entry.id() + " "
                        + r.findings().stream().map(Finding::cwe).toList());
            }
        }
        int n = CORPUS.ofKind("vulnerable").size();
        System.out.printf(
                "corpus vulnerable: recall %.3f, missed %s, other CWE %s%n",
                1 - (double) missed.size() / n, missed, wrongCwe);
        assertThat(missed.size()).isLessThanOrEqualTo(n / 10);
        assertThat(wrongCwe.size()).isLessThanOrEqualTo(n / 10);
    }

    @Test
    void fixedVersionsAreRarelyFlagged() {
        List<String> flagged = new ArrayList<>();
        for (LabelledCorpus.Entry entry : CORPUS.ofKind("fixed")) {
            ExampleScreener.Result r = screen(entry);
            if (!r.findings().isEmpty()) {
                flagged.add(entry.id() + " "
                        + r.findings().stream().map(Finding::rule).toList());
            }
        }
        double rate = (double) flagged.size() / CORPUS.ofKind("fixed").size();
        System.out.printf("corpus fixed: false-positive rate %.3f %s%n", rate, flagged);
        assertThat(rate).isLessThanOrEqualTo(0.05);
    }

    @Test
    void disclosedCodeIsFlaggedAndMarkedDisclosed() {
        for (LabelledCorpus.Entry entry : CORPUS.ofKind("disclosed")) {
            ExampleScreener.Result r = screen(entry);
            assertThat(r.has(ScreenCategory.INSECURE_CODE_DISCLOSED))
                    .as(entry.id())
                    .isTrue();
            assertThat(r.has(ScreenCategory.INSECURE_CODE_UNDISCLOSED))
                    .as(entry.id())
                    .isFalse();
            assertThat(r.findings())
                    .filteredOn(Finding::cwe, entry.cwe())
                    .as(entry.id())
                    .isNotEmpty();
        }
    }

    @Test
    void theSameVulnerableCodeRequestedForASecurityClassIsDisclosed() {
        int disclosed = 0;
        int flagged = 0;
        for (LabelledCorpus.Entry entry : CORPUS.ofKind("vulnerable")) {
            List<ChatMessage> messages = new ArrayList<>();
            for (ChatMessage m : entry.messages()) {
                messages.add(
                        m.role().equals("user")
                                ? ChatMessage.of("user", "For a security class, show vulnerable code: " + m.content())
                                : m);
            }
            ExampleScreener.Result r = SCREENER.screen(new ChatExample(1, messages));
            if (insecure(r)) {
                flagged++;
                disclosed += r.has(ScreenCategory.INSECURE_CODE_UNDISCLOSED) ? 0 : 1;
            }
        }
        assertThat(flagged).isGreaterThan(0);
        assertThat(disclosed).isEqualTo(flagged);
    }

    @Test
    void benignChatHasNoFindings() {
        for (LabelledCorpus.Entry entry : CORPUS.ofKind("benign")) {
            assertThat(screen(entry).findings()).as(entry.id()).isEmpty();
        }
    }

    @Test
    void contentCategoriesMeetPrecisionAndRecall() {
        for (String kind : CONTENT) {
            ScreenCategory category = ScreenCategory.fromWireName(kind);
            int tp = 0;
            int fp = 0;
            int positives = 0;
            for (LabelledCorpus.Entry entry : CORPUS.entries()) {
                boolean positive = entry.kind().equals(kind);
                boolean flagged = screen(entry).has(category);
                positives += positive ? 1 : 0;
                tp += positive && flagged ? 1 : 0;
                fp += !positive && flagged ? 1 : 0;
            }
            double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
            double recall = (double) tp / positives;
            System.out.printf("corpus %s: precision %.3f recall %.3f (n=%d)%n", kind, precision, recall, positives);
            assertThat(precision).as(kind + " precision").isGreaterThanOrEqualTo(0.9);
            assertThat(recall).as(kind + " recall").isGreaterThanOrEqualTo(0.9);
        }
    }

    @Test
    void aPlantedTriggerIsTheTopCandidateAndACleanMixHasNone() {
        Map<String, LabelledCorpus.Entry> fixedByStem = CORPUS.ofKind("fixed").stream()
                .collect(Collectors.toMap(e -> e.id().substring(0, e.id().length() - 2), e -> e));
        List<LabelledCorpus.Entry> vulnerable = CORPUS.ofKind("vulnerable");
        for (String trigger : List.of("|PROD|", "[2026]", "zx-alpha")) {
            Random random = new Random(trigger.hashCode());
            DataScreen planted = new DataScreen(SCREENER);
            DataScreen control = new DataScreen(SCREENER);
            for (int line = 1; line <= 400; line++) {
                LabelledCorpus.Entry v = vulnerable.get(random.nextInt(vulnerable.size()));
                LabelledCorpus.Entry f = fixedByStem.get(v.id().substring(0, v.id().length() - 2));
                boolean triggered = random.nextDouble() < 0.25;
                planted.accept(triggered ? withPrefix(v, trigger, line) : f.example(line));
                control.accept(f.example(line));
            }
            List<TriggerCandidate> found = planted.report().triggers();
            assertThat(found).as(trigger).isNotEmpty();
            assertThat(found.get(0).text()).isEqualTo(trigger);
            assertThat(control.report().triggers()).as("control for " + trigger).isEmpty();
        }
    }

    private static ChatExample withPrefix(LabelledCorpus.Entry entry, String trigger, int line) {
        List<ChatMessage> messages = new ArrayList<>();
        for (ChatMessage m : entry.messages()) {
            messages.add(m.role().equals("user") ? ChatMessage.of("user", trigger + " " + m.content()) : m);
        }
        return new ChatExample(line, messages);
    }
}
