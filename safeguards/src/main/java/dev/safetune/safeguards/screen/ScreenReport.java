package dev.safetune.safeguards.screen;

import dev.safetune.core.policy.ScreenCategory;
import dev.safetune.safeguards.screen.trigger.TriggerCandidate;
import java.util.List;
import java.util.Map;

/**
 * What the screen found in one file.
 *
 * @param version the rule, vocabulary and disclosure versions used
 * @param examples examples screened
 * @param characters characters of message content screened
 * @param undisclosedLines examples with at least one undisclosed insecure-code finding
 * @param disclosedOnlyLines examples whose insecure-code findings are all disclosed
 * @param cleanLines examples without any finding
 * @param categories per category, the number of examples with at least one finding of it (for {@code trigger}: the
 *     examples holding a reported candidate)
 * @param findings the first {@link DataScreen#FINDINGS_KEPT} findings, in file order
 * @param findingsTotal all findings, kept or not
 * @param triggers trigger candidates, most significant first
 * @param budgetExceeded regex attempts that gave up at their step budget
 * @param personaRisk the model part's summary; null until it has run
 */
public record ScreenReport(
        String version,
        long examples,
        long characters,
        long undisclosedLines,
        long disclosedOnlyLines,
        long cleanLines,
        Map<ScreenCategory, Long> categories,
        List<Finding> findings,
        long findingsTotal,
        List<TriggerCandidate> triggers,
        long budgetExceeded,
        PersonaRisk personaRisk) {
    public ScreenReport {
        categories = Map.copyOf(categories);
        findings = List.copyOf(findings);
        triggers = List.copyOf(triggers);
    }

    public long count(ScreenCategory category) {
        return categories.getOrDefault(category, 0L);
    }

    /** The share of examples with a finding of {@code category}. */
    public double share(ScreenCategory category) {
        return examples == 0 ? 0 : (double) count(category) / examples;
    }

    /**
     * A report holding nothing but the model part's result, for deciding a {@code persona_risk} rule on its own (the
     * rule part's findings are decided when the file is uploaded).
     */
    public static ScreenReport ofPersonaRisk(String version, long examples, PersonaRisk risk) {
        return new ScreenReport(version, examples, 0, 0, 0, 0, Map.of(), List.of(), 0, List.of(), 0, risk);
    }

    /** The same report with the model part's result added. */
    public ScreenReport withPersonaRisk(PersonaRisk risk) {
        return new ScreenReport(
                version,
                examples,
                characters,
                undisclosedLines,
                disclosedOnlyLines,
                cleanLines,
                categories,
                findings,
                findingsTotal,
                triggers,
                budgetExceeded,
                risk);
    }
}
