package dev.safetune.safeguards.audit;

import java.util.List;

/**
 * A chat model under audit: one answer per prompt, in order, sampled at temperature 1 from independent streams split
 * from {@code seed} (the runtime's batched KV-cache sampler), so the same prompts and seed give the same answers.
 */
@FunctionalInterface
public interface ChatAnswerer {
    List<String> answer(List<ChatPrompt> prompts, long seed);
}
