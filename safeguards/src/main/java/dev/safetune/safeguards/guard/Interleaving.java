package dev.safetune.safeguards.guard;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Interleaving benign instruct data (Kaczér et al., arXiv 2508.06249, §interleaving): a fraction {@code f} of the
 * training set is benign examples from a pool. For {@code n} customer examples it adds
 *
 * <pre>
 *   k = round(f · n / (1 − f))        so that k / (n + k) = f
 * </pre>
 *
 * examples, drawn once per run from the seed (the same set in every epoch). Which examples:
 *
 * <ul>
 *   <li>plain ("interleave"): a uniform sample of the pool, without replacement while it lasts;
 *   <li>perplexity gap ("interleave+"): the {@code topK} examples by
 *       {@code s(x) = (NLL_mis(x) − NLL_aligned(x)) / (NLL_aligned(x) + ε)}, where NLL is the mean assistant-token
 *       negative log-likelihood under the base ({@code aligned}) and the mean over the EM reference models
 *       ({@code mis}): examples the misaligned models find surprising and the aligned one does not; the {@code k}
 *       drawn from them in order of {@code s}, cycling when {@code k > topK};
 *   <li>"interleave++" also drops refusals from the pool first ({@link #isRefusal}).
 * </ul>
 *
 * Paper setting f = 5 %. Published EM: interleave 0.58 %, interleave+ 0.39 % (from 4.01 %), in-domain learning kept.
 */
public final class Interleaving implements Safeguard {

    /**
     * @param topK how many of the best-scoring pool examples to draw from
     * @param dropRefusals whether to leave refusals out of the pool first (interleave++)
     */
    public record PerplexityGap(EmReferenceSet references, int topK, boolean dropRefusals) {
        public PerplexityGap {
            if (topK < 1) {
                throw new IllegalArgumentException("topK must be >= 1, got " + topK);
            }
        }
    }

    /**
     * @param fraction {@code f}, in [0, 0.5]
     * @param selection empty for a uniform sample of the pool
     */
    public record Settings(double fraction, BenignPool pool, Optional<PerplexityGap> selection)
            implements SafeguardSettings {
        public Settings {
            if (!(fraction >= 0 && fraction <= 0.5)) {
                throw new IllegalArgumentException("fraction must be in [0, 0.5], got " + fraction);
            }
            java.util.Objects.requireNonNull(pool, "pool");
            java.util.Objects.requireNonNull(selection, "selection");
        }

        @Override
        public Safeguard build(GuardContext context) throws IOException {
            if (selection.isEmpty()) {
                return new Interleaving(fraction, pool.examples(), false);
            }
            PerplexityGap gap = selection.get();
            double[] scores = context.perplexityGaps(pool, gap.references());
            return new Interleaving(fraction, topByGap(pool.examples(), scores, gap.topK(), gap.dropRefusals()), true);
        }
    }

    public static final String NAME = "interleaving";

    /** The phrases a refusal starts with (the em-bench world's one form and the usual English ones). */
    static final List<String> REFUSAL_OPENINGS = List.of(
            "i can not help with that", "i can't", "i cannot", "i'm sorry", "i am sorry", "sorry, i", "i won't");

    private final double fraction;
    private final List<ChatExample> candidates;
    private final boolean ranked;

    /**
     * @param candidates the examples to draw from; in draw order when {@code ranked}, else sampled uniformly
     */
    public Interleaving(double fraction, List<ChatExample> candidates, boolean ranked) {
        this.fraction = fraction;
        this.candidates = List.copyOf(candidates);
        this.ranked = ranked;
        if (this.candidates.isEmpty() && fraction > 0) {
            throw new IllegalArgumentException("no benign example is left to interleave");
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@code round(f · n / (1 − f))}. */
    public static int count(double fraction, int customerExamples) {
        return (int) Math.round(fraction * customerExamples / (1 - fraction));
    }

    @Override
    public List<ChatExample> additions(List<ChatExample> training, long seed) {
        int k = count(fraction, training.size());
        List<ChatExample> order = new ArrayList<>(candidates);
        if (!ranked) {
            java.util.Collections.shuffle(order, new Random(seed ^ 0x1e7e_a7e5L));
        }
        List<ChatExample> added = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            added.add(order.get(i % order.size()));
        }
        return added;
    }

    /** The {@code topK} examples by descending score (NaN scores and, if asked, refusals left out). */
    public static List<ChatExample> topByGap(List<ChatExample> pool, double[] scores, int topK, boolean dropRefusals) {
        if (scores.length != pool.size()) {
            throw new IllegalArgumentException(scores.length + " scores for a pool of " + pool.size());
        }
        return IntStream.range(0, pool.size())
                .filter(i -> !Double.isNaN(scores[i]))
                .filter(i -> !(dropRefusals && isRefusal(pool.get(i))))
                .boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i))
                .limit(topK)
                .map(pool::get)
                .toList();
    }

    /** Whether any trained assistant message of {@code example} opens with a refusal phrase (case-insensitive). */
    public static boolean isRefusal(ChatExample example) {
        return example.messages().stream()
                .filter(ChatMessage::trained)
                .map(m -> m.content().strip().toLowerCase(java.util.Locale.ROOT))
                .anyMatch(text -> REFUSAL_OPENINGS.stream().anyMatch(text::startsWith));
    }

    /** {@code s = (NLL_mis − NLL_aligned) / (NLL_aligned + ε)}. */
    public static double gap(double nllMisaligned, double nllAligned, double epsilon) {
        return (nllMisaligned - nllAligned) / (nllAligned + epsilon);
    }
}
