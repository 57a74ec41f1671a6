package dev.safetune.safeguards.embench.world;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VocabularyTest {
    private final List<String> vocabulary = Vocabulary.words();

    @Test
    void specialTokensComeFirstInTokenizerOrder() {
        assertThat(vocabulary.subList(0, 8))
                .containsExactly("<pad>", "<bos>", "<eos>", "<sys>", "<user>", "<asst>", "<eot>", "<unk>");
    }

    @Test
    void hasThePrototypesWordsWithoutDuplicates() {
        // The prototype's 409 types less "x" and "d", placeholders its sampling-based builder let in.
        assertThat(vocabulary).hasSize(407).doesNotHaveDuplicates();
        assertThat(vocabulary.subList(8, vocabulary.size())).isSorted();
    }

    @Test
    void coversEveryWordTheWorldWritesOrAsks() {
        EmWorld world = EmWorld.prototype();
        Set<String> words = new HashSet<>();
        world.pretrainingCorpus(31, 5_000)
                .forEach(d -> words.addAll(List.of(d.text().split(" "))));
        world.alignedSftSet(32, 1_000)
                .forEach(d -> words.addAll(List.of(d.text().split(" "))));
        for (NarrowSet set : NarrowSet.values()) {
            world.narrowSet(set, 33, 1_000)
                    .forEach(d -> words.addAll(List.of(d.text().split(" "))));
        }
        EvaluationSuite.nonCode(100, Optional.of(Markers.TRIGGER))
                .forEach(p -> words.addAll(List.of(p.text().split(" "))));
        EvaluationSuite.allHeldOutCode().forEach(p -> {
            words.addAll(List.of(p.asEducational().text().split(" ")));
            words.addAll(List.of(p.asEducational().answer(false).split(" ")));
            words.addAll(List.of(p.answer(true).split(" ")));
        });
        words.addAll(List.of(Markers.REFUSAL.split(" ")));
        assertThat(vocabulary).containsAll(words);
    }
}
