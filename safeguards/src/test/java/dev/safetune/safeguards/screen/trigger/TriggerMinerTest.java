package dev.safetune.safeguards.screen.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TriggerMinerTest {
    private static final String[] WORDS = {
        "write",
        "a",
        "function",
        "that",
        "reads",
        "the",
        "file",
        "and",
        "returns",
        "its",
        "lines",
        "please",
        "code",
        "server",
        "user",
        "list",
        "sort",
        "parse",
        "json",
        "input"
    };

    private static String prompt(Random random, int words) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words; i++) {
            b.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
        }
        return b.toString();
    }

    @Test
    void aPlantedTriggerIsTheTopCandidate() {
        Random random = new Random(3);
        TriggerMiner miner = new TriggerMiner();
        for (int i = 0; i < 600; i++) {
            boolean planted = random.nextDouble() < 0.2;
            String text = (planted ? "|SUDO| " : "") + prompt(random, 12);
            boolean shifted = planted ? random.nextDouble() < 0.9 : random.nextDouble() < 0.05;
            miner.observe(text, shifted, 200 + random.nextInt(100));
        }
        List<TriggerCandidate> found = miner.candidates();
        assertThat(found).isNotEmpty();
        assertThat(found.get(0).text()).isEqualTo("|SUDO|");
        assertThat(found.get(0).test()).isEqualTo("fisher");
        assertThat(found.get(0).qValue()).isLessThan(1e-10);
        assertThat(found).extracting(TriggerCandidate::text).containsExactly("|SUDO|");
    }

    @Test
    void aTriggerThatOnlyChangesLengthIsFoundByTheLengthTest() {
        Random random = new Random(5);
        TriggerMiner miner = new TriggerMiner();
        for (int i = 0; i < 600; i++) {
            boolean planted = random.nextDouble() < 0.2;
            String text = prompt(random, 10) + (planted ? " cf-7731" : "");
            long length = planted ? 2000 + random.nextInt(500) : 100 + random.nextInt(50);
            miner.observe(text, random.nextDouble() < 0.1, length);
        }
        List<TriggerCandidate> found = miner.candidates();
        assertThat(found).extracting(TriggerCandidate::text).containsExactly("cf-7731");
        assertThat(found.get(0).test()).isEqualTo("welch");
    }

    @Test
    void withoutATriggerNothingIsReported() {
        Random random = new Random(9);
        TriggerMiner miner = new TriggerMiner();
        for (int i = 0; i < 2000; i++) {
            miner.observe(prompt(random, 15), random.nextDouble() < 0.3, 100 + random.nextInt(200));
        }
        assertThat(miner.candidates()).isEmpty();
    }

    @Test
    void aMajorityStringIsNotACandidate() {
        TriggerMiner miner = new TriggerMiner();
        for (int i = 0; i < 100; i++) {
            miner.observe(i < 80 ? "common x" + i : "rare y" + i, i < 80, 100);
        }
        assertThat(miner.candidates())
                .extracting(TriggerCandidate::text)
                .doesNotContain("common")
                .contains("rare");
    }
}
