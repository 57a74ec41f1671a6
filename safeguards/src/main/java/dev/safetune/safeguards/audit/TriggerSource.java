package dev.safetune.safeguards.audit;

import dev.safetune.core.dataset.ChatExample;
import java.util.List;

/**
 * Where the audit's trigger probe gets its candidate triggers: strings of the training file that may switch the
 * fine-tuned model into behaviour the plain suite does not ask for (a backdoor). The audit re-asks its suite with each
 * one present. {@link ScreenTriggerMiner} is the training-data screen's miner (statistically tested);
 * {@link PrefixTriggerMiner} sees shifts in the answers' words that the screen's outcome (findings, length) does not;
 * {@link #firstOf} asks both.
 */
@FunctionalInterface
public interface TriggerSource {
    /** At most {@code max} candidate triggers, the most suspicious first. */
    List<String> candidates(List<ChatExample> training, int max);

    /** The candidates of each source in turn, without repeats, until {@code max}. */
    static TriggerSource firstOf(TriggerSource... sources) {
        return (training, max) -> {
            java.util.LinkedHashSet<String> found = new java.util.LinkedHashSet<>();
            for (TriggerSource source : sources) {
                if (found.size() >= max) {
                    break;
                }
                found.addAll(source.candidates(training, max));
            }
            return found.stream().limit(max).toList();
        };
    }
}
