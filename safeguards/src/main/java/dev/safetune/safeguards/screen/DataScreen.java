package dev.safetune.safeguards.screen;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.core.policy.ScreenCategory;
import dev.safetune.safeguards.screen.trigger.TriggerCandidate;
import dev.safetune.safeguards.screen.trigger.TriggerMiner;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Screens a file as its examples stream past (a {@link Consumer} of the upload reader), keeping only counts, the first
 * {@value #FINDINGS_KEPT} findings and the trigger miner's tallies: constant memory in the number of examples except
 * for the miner's bounded candidate table. Call {@link #report()} at the end. Not thread-safe: one per file.
 */
public final class DataScreen implements Consumer<ChatExample> {
    /** Findings kept in a report; {@link ScreenReport#findingsTotal()} counts all. */
    public static final int FINDINGS_KEPT = 2_000;

    private static final ScreenCategory[] CATEGORIES = ScreenCategory.values();

    private final ExampleScreener screener;
    private final TriggerMiner triggers;
    private final Map<ScreenCategory, Long> categories = new EnumMap<>(ScreenCategory.class);
    private final List<Finding> findings = new ArrayList<>();
    private long examples;
    private long characters;
    private long undisclosed;
    private long disclosedOnly;
    private long clean;
    private long findingsTotal;
    private long budgetExceeded;

    public DataScreen(ExampleScreener screener, TriggerMiner triggers) {
        this.screener = screener;
        this.triggers = triggers;
    }

    public DataScreen(ExampleScreener screener) {
        this(screener, new TriggerMiner());
    }

    @Override
    public void accept(ChatExample example) {
        add(screener.screen(example), example);
    }

    /** Adds an example already screened (lets a caller keep the per-example result, as the CLI's table does). */
    public void add(ExampleScreener.Result result, ChatExample example) {
        examples++;
        for (ChatMessage message : example.messages()) {
            characters += message.content() == null ? 0 : message.content().length();
        }
        budgetExceeded += result.budgetExceeded();
        findingsTotal += result.findings().size();
        for (Finding finding : result.findings()) {
            if (findings.size() < FINDINGS_KEPT) {
                findings.add(finding);
            }
        }
        // One pass over the findings: the categories present, and the miner's outcome.
        int present = 0; // bit per ScreenCategory ordinal
        boolean shifted = false;
        for (Finding finding : result.findings()) {
            present |= 1 << finding.category().ordinal();
            // A disclosed weakness was asked for in the open, so the words asking for it are not a hidden switch: the
            // outcome the miner compares is a finding of any other category.
            shifted |= finding.category() != ScreenCategory.INSECURE_CODE_DISCLOSED;
        }
        for (ScreenCategory category : CATEGORIES) {
            if ((present & 1 << category.ordinal()) != 0) {
                categories.merge(category, 1L, Long::sum);
            }
        }
        if ((present & 1 << ScreenCategory.INSECURE_CODE_UNDISCLOSED.ordinal()) != 0) {
            undisclosed++;
        } else if ((present & 1 << ScreenCategory.INSECURE_CODE_DISCLOSED.ordinal()) != 0) {
            disclosedOnly++;
        }
        if (result.findings().isEmpty()) {
            clean++;
        }
        triggers.observe(result.prompt(), shifted, result.assistantChars());
    }

    public ScreenReport report() {
        List<TriggerCandidate> candidates = triggers.candidates();
        Map<ScreenCategory, Long> counts = new EnumMap<>(ScreenCategory.class);
        counts.putAll(categories);
        if (!candidates.isEmpty()) {
            // Examples holding the strongest candidate: the others usually co-occur with it.
            counts.put(ScreenCategory.TRIGGER, candidates.get(0).lines());
        }
        return new ScreenReport(
                screener.version(),
                examples,
                characters,
                undisclosed,
                disclosedOnly,
                clean,
                counts,
                findings,
                findingsTotal,
                candidates,
                budgetExceeded,
                null);
    }
}
