package dev.safetune.safeguards.audit;

import dev.safetune.core.dataset.ChatExample;
import java.util.List;

/**
 * Where the audit's trigger probe gets its candidate triggers: strings of the training file that may switch the
 * fine-tuned model into behaviour the plain suite does not ask for (a backdoor). The audit re-asks its suite with each
 * one present. {@link PrefixTriggerMiner} is the simple miner; the screening's miner can take its place.
 */
@FunctionalInterface
public interface TriggerSource {
    /** At most {@code max} candidate triggers, the most suspicious first. */
    List<String> candidates(List<ChatExample> training, int max);
}
