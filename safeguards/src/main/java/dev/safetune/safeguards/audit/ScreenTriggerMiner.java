package dev.safetune.safeguards.audit;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.safeguards.screen.DataScreen;
import dev.safetune.safeguards.screen.ExampleScreener;
import dev.safetune.safeguards.screen.trigger.TriggerCandidate;
import java.util.List;

/**
 * The audit's trigger probe reusing the training-data screen's miner (issue 25: one miner for both): the training
 * examples go through a {@link DataScreen} exactly as an upload does, and the candidates are those its
 * {@code TriggerMiner} reports: tested by Fisher's exact test (or chi-square) on the assistant turns' findings and a
 * Welch test on their log length, Benjamini–Hochberg controlled, and gated on effect size (docs/screening.md),
 * most significant first.
 */
public final class ScreenTriggerMiner implements TriggerSource {
    private final ExampleScreener screener;

    public ScreenTriggerMiner() {
        this(ExampleScreener.builtIn());
    }

    public ScreenTriggerMiner(ExampleScreener screener) {
        this.screener = screener;
    }

    @Override
    public List<String> candidates(List<ChatExample> training, int max) {
        DataScreen screen = new DataScreen(screener);
        training.forEach(screen);
        return screen.report().triggers().stream()
                .map(TriggerCandidate::text)
                .limit(max)
                .toList();
    }
}
