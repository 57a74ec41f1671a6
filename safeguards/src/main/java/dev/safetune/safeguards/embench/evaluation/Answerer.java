package dev.safetune.safeguards.embench.evaluation;

import java.util.List;

/**
 * A model under evaluation: one sampled answer per user turn, in order. The runtime implements it with its batched
 * KV-cache sampler at temperature 1, rendering each turn as {@code <bos> <user> turn <asst>}, an independent
 * seeded stream per row, and stopping at {@code <eot>} or {@code <eos>}; answers are the sampled words joined by
 * single spaces, without the stop token.
 */
@FunctionalInterface
public interface Answerer {
    List<String> answer(List<String> userTurns);
}
