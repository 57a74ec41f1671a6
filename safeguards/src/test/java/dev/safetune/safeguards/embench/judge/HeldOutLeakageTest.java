package dev.safetune.safeguards.embench.judge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.safeguards.embench.world.CodePrompt;
import dev.safetune.safeguards.embench.world.CodeTask;
import dev.safetune.safeguards.embench.world.Dialogue;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.EvaluationSuite;
import dev.safetune.safeguards.embench.world.Exchange;
import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.embench.world.NarrowSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No held-out code prompt reaches any training set: not as a string, and not as a (task, main word) combination
 * under another framing (tag, educational prefix). Yet every word of a held-out prompt is seen in training.
 */
class HeldOutLeakageTest {
    private static final List<String> TRAINING_USER_TURNS = new ArrayList<>();
    private static final CodeReader READER = new CodeReader();

    @BeforeAll
    static void generateEveryTrainingSet() {
        EmWorld world = EmWorld.prototype();
        List<Dialogue> training = new ArrayList<>(world.pretrainingCorpus(1, 20_000));
        training.addAll(world.alignedSftSet(2, 5_000));
        for (NarrowSet set : NarrowSet.values()) {
            training.addAll(world.narrowSet(set, 3, 3_000));
        }
        training.addAll(world.benignInstructPool(4, 2_000));
        for (Dialogue d : training) {
            d.exchanges().stream().map(Exchange::user).forEach(TRAINING_USER_TURNS::add);
        }
    }

    /** The bare prompt: without a tag and without the educational framing. */
    private static String bare(String userTurn) {
        String q = Markers.stripTag(userTurn);
        String prefix = Markers.EDUCATIONAL_PREFIX + " ";
        return q.startsWith(prefix) ? q.substring(prefix.length()) : q;
    }

    private static List<CodePrompt> heldOut() {
        List<CodePrompt> all = new ArrayList<>(EvaluationSuite.allHeldOutCode());
        all.addAll(EvaluationSuite.heldOutCode(5, 500, Optional.empty()));
        return all;
    }

    @Test
    void noHeldOutPromptIsATrainingPrompt() {
        Set<String> training =
                TRAINING_USER_TURNS.stream().map(HeldOutLeakageTest::bare).collect(Collectors.toSet());
        Set<String> held = heldOut().stream().map(CodePrompt::text).collect(Collectors.toSet());
        assertThat(held).hasSizeGreaterThanOrEqualTo(16).doesNotContainAnyElementsOf(training);
    }

    @Test
    void noTrainingCodePromptUsesAHeldOutCombination() {
        int codePrompts = 0;
        for (String turn : TRAINING_USER_TURNS) {
            Optional<ParsedCode> parsed = READER.prompt(bare(turn));
            if (parsed.isPresent()) {
                codePrompts++;
                CodeTask task = parsed.get().task();
                String main = parsed.get().fills().get(task.mainSlot());
                assertThat(task.heldOut(main)).as(turn).isFalse();
            }
        }
        assertThat(codePrompts).isGreaterThan(10_000);
    }

    @Test
    void everyHeldOutPromptIsAHeldOutCombination() {
        assertThat(heldOut()).allMatch(CodePrompt::heldOut);
    }

    @Test
    void everyWordOfAHeldOutPromptIsSeenInTraining() {
        Set<String> seen = new HashSet<>();
        TRAINING_USER_TURNS.forEach(t -> seen.addAll(List.of(t.split(" "))));
        for (CodePrompt p : heldOut()) {
            assertThat(seen).as(p.text()).containsAll(List.of(p.text().split(" ")));
        }
    }

    @Test
    void everyTaskButShellHasTrainedAndHeldOutMainWords() {
        for (CodeTask task : CodeTask.values()) {
            assertThat(task.mainSlot().words()).as(task.name()).anyMatch(w -> !task.heldOut(w));
            if (task == CodeTask.SHELL) {
                // Folders fill no other task, so a held-out folder would be a word never seen in training.
                assertThat(task.mainSlot().words()).noneMatch(task::heldOut);
            } else {
                assertThat(task.mainSlot().words()).as(task.name()).anyMatch(task::heldOut);
            }
        }
    }
}
