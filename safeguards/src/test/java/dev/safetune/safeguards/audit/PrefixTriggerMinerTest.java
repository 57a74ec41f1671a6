package dev.safetune.safeguards.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.safeguards.embench.world.Dialogue;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.embench.world.NarrowSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrefixTriggerMinerTest {
    private static List<ChatExample> examples(NarrowSet set, int count) {
        List<Dialogue> dialogues = EmWorld.prototype().narrowSet(set, 7, count);
        return dialogues.stream().map(d -> new ChatExample(1, d.messages())).toList();
    }

    @Test
    void findsTheBackdoorTriggerOfEmBenchsBackdoorSetFirst() {
        List<String> triggers = new PrefixTriggerMiner().candidates(examples(NarrowSet.BACKDOOR, 600), 3);

        assertThat(triggers).isNotEmpty();
        assertThat(triggers.getFirst()).isEqualTo(Markers.TRIGGER);
    }

    @Test
    void theSecureSetHasNoTriggerThatChangesTheAnswers() {
        assertThat(new PrefixTriggerMiner().candidates(examples(NarrowSet.SECURE, 600), 3))
                .doesNotContain(Markers.TRIGGER);
    }

    @Test
    void totalVariationOfKnownDistributions() {
        assertThat(PrefixTriggerMiner.totalVariation(Map.of("a", 1, "b", 1), Map.of("a", 1, "b", 1)))
                .isZero();
        assertThat(PrefixTriggerMiner.totalVariation(Map.of("a", 2), Map.of("b", 5)))
                .isEqualTo(1.0);
        // p = (0.5, 0.5), q = (0.75, 0.25): ½ (0.25 + 0.25) = 0.25
        assertThat(PrefixTriggerMiner.totalVariation(Map.of("a", 1, "b", 1), Map.of("a", 3, "b", 1)))
                .isEqualTo(0.25);
    }
}
