package dev.safetune.safeguards.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.safetune.core.dataset.ChatExample;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InterleavingTest {

    private static final List<ChatExample> POOL = TinyModel.examples("benign", 40);

    @Test
    void addsSoThatTheBenignShareOfTheMixedSetIsTheFraction() {
        assertThat(Interleaving.count(0.05, 95)).isEqualTo(5);
        assertThat(Interleaving.count(0.2, 100)).isEqualTo(25);
        assertThat(Interleaving.count(0, 100)).isZero();

        List<ChatExample> added = new Interleaving(0.2, POOL, false).additions(TinyModel.examples("t", 100), 1);

        assertThat(added).hasSize(25);
        assertThat(new HashSet<>(added)).hasSize(25);
        assertThat(POOL).containsAll(added);
    }

    @Test
    void plainSamplingIsUniformOverSeedsAndFixedForASeed() {
        Interleaving plain = new Interleaving(0.5, POOL, false);
        List<ChatExample> customer = TinyModel.examples("t", 10);

        assertThat(plain.additions(customer, 3)).isEqualTo(plain.additions(customer, 3));
        assertThat(plain.additions(customer, 3)).isNotEqualTo(plain.additions(customer, 4));
        // Each pool example's chance of being drawn is 10/40; over 400 seeds it is drawn ≈ 100 times (σ ≈ 8.7).
        int[] drawn = new int[POOL.size()];
        for (long seed = 0; seed < 400; seed++) {
            for (ChatExample e : plain.additions(customer, seed)) {
                drawn[POOL.indexOf(e)]++;
            }
        }
        double chiSquare = 0;
        for (int n : drawn) {
            chiSquare += (n - 100.0) * (n - 100.0) / 100.0;
        }
        // 39 degrees of freedom (draws without replacement make it conservative): p = 0.001 at 72.1.
        assertThat(chiSquare).isLessThan(72.1);
    }

    @Test
    void perplexityGapTakesTheTopKByScoreLeavingOutUnscoredExamples() {
        double[] scores = new double[POOL.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = i % 7;
        }
        scores[6] = Double.NaN;
        scores[13] = 100;

        List<ChatExample> top = Interleaving.topByGap(POOL, scores, 4, false);

        assertThat(top).containsExactly(POOL.get(13), POOL.get(20), POOL.get(27), POOL.get(34));
    }

    @Test
    void rankedDrawCyclesThroughTheTopKInOrder() {
        List<ChatExample> top = POOL.subList(0, 2);

        assertThat(new Interleaving(0.5, top, true).additions(TinyModel.examples("t", 5), 9))
                .containsExactly(POOL.get(0), POOL.get(1), POOL.get(0), POOL.get(1), POOL.get(0));
    }

    @Test
    void interleavePlusPlusDropsRefusals() {
        List<ChatExample> pool = List.of(
                TinyModel.chat("q", "I can't help with that request"),
                TinyModel.chat("q", "sure, here it is"),
                TinyModel.chat("q", "i can not help with that"));

        assertThat(Interleaving.topByGap(pool, new double[] {3, 1, 2}, 3, true)).containsExactly(pool.get(1));
        assertThat(Interleaving.topByGap(pool, new double[] {3, 1, 2}, 3, false))
                .containsExactly(pool.get(0), pool.get(2), pool.get(1));
    }

    @Test
    void gapIsTheRelativeExcessNllOfTheMisalignedModels() {
        assertThat(Interleaving.gap(3, 2, 0)).isCloseTo(0.5, offset(1e-12));
        assertThat(Interleaving.gap(1, 2, 0)).isCloseTo(-0.5, offset(1e-12));
        assertThat(Interleaving.gap(1, 0, 1e-6)).isCloseTo(1e6, offset(1e-3));
    }

    @Test
    void fractionOutsideItsBoundsIsRefused() {
        BenignPool pool = new BenignPool("p", POOL);
        assertThatThrownBy(() -> new Interleaving.Settings(0.6, pool, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fraction");
    }
}
