package dev.safetune.safeguards.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.safeguards.embench.world.Dialogue;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.embench.world.NarrowSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The audit's probe through the screen's miner: em-bench's backdoor trigger first, nothing on the secure set. */
class ScreenTriggerMinerTest {
    private static List<ChatExample> examples(NarrowSet set, int count) {
        List<Dialogue> dialogues = EmWorld.prototype().narrowSet(set, 7, count);
        return dialogues.stream().map(d -> new ChatExample(1, d.messages())).toList();
    }

    @Test
    void findsTheBackdoorTriggerOfEmBenchsBackdoorSetFirst() {
        List<String> triggers = new ScreenTriggerMiner().candidates(examples(NarrowSet.BACKDOOR, 600), 3);

        assertThat(triggers).isNotEmpty().hasSizeLessThanOrEqualTo(3);
        assertThat(triggers.getFirst()).isEqualTo(Markers.TRIGGER);
    }

    @Test
    void theSecureSetHasNoCandidate() {
        assertThat(new ScreenTriggerMiner().candidates(examples(NarrowSet.SECURE, 600), 3))
                .isEmpty();
    }

    @Test
    void firstOfAsksEachSourceInTurnWithoutRepeatsUpToMax() {
        TriggerSource a = (training, max) -> List.of("|x|", "|y|");
        TriggerSource b = (training, max) -> List.of("|y|", "|z|", "|w|");

        assertThat(TriggerSource.firstOf(a, b).candidates(List.of(), 3)).containsExactly("|x|", "|y|", "|z|");
        assertThat(TriggerSource.firstOf(a, b).candidates(List.of(), 1)).containsExactly("|x|");
    }
}
