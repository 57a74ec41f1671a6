package dev.safetune.safeguards.screen;

import dev.safetune.core.policy.ScreenAction;
import dev.safetune.core.policy.ScreenCategory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A screen report as customers read it, in {@code GET /v1/files/{id}/screen} and {@code ./safetune screen --json}
 * (property names are written snake_case by both). Plain data: serialisable and comparable.
 *
 * @param status {@code completed} when the rule part ran (the model part adds {@code persona_risk} later)
 * @param decision the action ({@code allow}, {@code pin_policy}, {@code hold}, {@code reject})
 * @param policyId the safety policy version whose {@code screen} section decided
 * @param policyVersion its version number (null in reports stored before the policy decided)
 * @param rulesVersion the rule, vocabulary and disclosure versions that found
 * @param examples examples screened
 * @param risk the persona-projection risk; its fields are null until the model part has run
 * @param categories per category, the examples with a finding of it
 * @param reasons the categories over their thresholds
 * @param pinPolicies the policy versions {@code pin_policy} reasons name: jobs on the file are pinned to one at least
 *     as strict as each
 * @param findings one page of findings, in file order
 * @param findingsTotal every finding (the stored report keeps the first {@link DataScreen#FINDINGS_KEPT})
 * @param findingsKept findings stored and so pageable
 * @param offset the page's first finding
 * @param hasMore whether findings follow this page
 * @param triggers trigger candidates, most significant first
 * @param review an operator's release or rejection of a held file; null when none
 */
public record ScreenView(
        String status,
        String decision,
        String policyId,
        Integer policyVersion,
        String rulesVersion,
        long examples,
        Risk risk,
        Map<String, Long> categories,
        List<ReasonView> reasons,
        List<String> pinPolicies,
        List<FindingView> findings,
        long findingsTotal,
        int findingsKept,
        int offset,
        boolean hasMore,
        List<TriggerView> triggers,
        Review review) {
    public static final String COMPLETED = "completed";

    /**
     * An operator's review of a held file.
     *
     * @param action {@code release} or {@code reject}
     * @param previousDecision the screen's decision before it ({@code hold})
     * @param reason the operator's written reason
     * @param reviewedAt Unix seconds
     */
    public record Review(String action, String previousDecision, String reason, long reviewedAt) {}

    /**
     * Mean, 95th percentile and sample standard deviation of the persona-projection differences; null until computed
     * ({@code sd} also in reports stored before it was kept, and for a file of one example).
     */
    public record Risk(Double mean, Double p95, Double sd) {
        static Risk of(PersonaRisk persona) {
            return persona == null
                    ? new Risk(null, null, null)
                    : new Risk(persona.mean(), persona.p95(), persona.knownSd());
        }
    }

    public record FindingView(
            int line, int message, String category, String rule, String cwe, boolean disclosed, String evidence) {
        static FindingView of(Finding f) {
            return new FindingView(
                    f.line(), f.message(), f.category().wireName(), f.rule(), f.cwe(), f.disclosed(), f.evidence());
        }
    }

    /** {@code p_value} underflows to 0 for a strong trigger; {@code log10_p} keeps its size. */
    public record TriggerView(String text, long lines, double pValue, double log10P, String test) {}

    /**
     * A category over its threshold, as {@link ScreenDecision.Reason}; {@code confidence} and {@code lower_bound} only
     * for a {@code persona_risk} rule with a confidence.
     */
    public record ReasonView(
            String category,
            long count,
            double share,
            double threshold,
            String action,
            String pinPolicy,
            List<Integer> firstLines,
            Double confidence,
            Double lowerBound) {
        /** True when this reason stops jobs ({@code hold} or {@code reject}). */
        public boolean blocksJobs() {
            return ScreenAction.fromWireName(action).blocksJobs();
        }
    }

    /**
     * One sentence naming every category that stops jobs, with its count and first lines, e.g. {@code
     * insecure_code_undisclosed (953 of 1000 examples, threshold 5.0 %; first lines 1, 2, 4, 5, 6)}.
     */
    public String explainBlocking() {
        return reasons.stream()
                .filter(ReasonView::blocksJobs)
                .map(r -> ScreenDecision.describe(
                        r.category(),
                        r.count(),
                        r.share(),
                        examples,
                        r.threshold(),
                        r.firstLines(),
                        r.confidence(),
                        r.lowerBound()))
                .collect(java.util.stream.Collectors.joining("; "));
    }

    public static ScreenView of(ScreenReport report, ScreenDecision decision) {
        Map<String, Long> categories = new LinkedHashMap<>();
        for (ScreenCategory category : ScreenCategory.values()) {
            if (category != ScreenCategory.PERSONA_RISK || report.personaRisk() != null) {
                categories.put(category.wireName(), report.count(category));
            }
        }
        PersonaRisk persona = report.personaRisk();
        return new ScreenView(
                COMPLETED,
                decision.action().wireName(),
                decision.policyId(),
                decision.policyVersion(),
                report.version(),
                report.examples(),
                Risk.of(persona),
                categories,
                decision.reasons().stream()
                        .map(r -> new ReasonView(
                                r.category().wireName(),
                                r.count(),
                                r.share(),
                                r.threshold(),
                                r.action().wireName(),
                                r.pinPolicy(),
                                r.firstLines(),
                                r.confidence(),
                                r.lowerBound()))
                        .toList(),
                decision.pinPolicies(),
                report.findings().stream().map(FindingView::of).toList(),
                report.findingsTotal(),
                report.findings().size(),
                0,
                false,
                report.triggers().stream()
                        .map(t -> new TriggerView(t.text(), t.lines(), t.pValue(), t.log10P(), t.test()))
                        .toList(),
                null);
    }

    /** The same view with only the findings {@code [offset, offset + limit)} of those kept. */
    public ScreenView page(int offset, int limit) {
        int from = Math.min(Math.max(0, offset), findings.size());
        int to = (int) Math.min(findings.size(), (long) from + Math.max(0, limit));
        return copy(decision, List.copyOf(findings.subList(from, to)), from, to < findings.size(), review);
    }

    /**
     * The decision once an operator has released a held file: the most severe action among the reasons that do not
     * stop jobs ({@code pin_policy} when a rule pins a policy, else {@code allow}), so a release never drops a pin.
     */
    public String decisionOnRelease() {
        return reasons.stream()
                .map(r -> ScreenAction.fromWireName(r.action()))
                .filter(a -> !a.blocksJobs())
                .max(Enum::compareTo)
                .orElse(ScreenAction.ALLOW)
                .wireName();
    }

    /** The same view after an operator's review: {@code decision} replaced, the review recorded. */
    public ScreenView reviewed(String newDecision, Review by) {
        return copy(newDecision, findings, offset, hasMore, by);
    }

    /**
     * The view once the persona part has scored the file: {@code risk} filled in, {@code persona_risk} counted (the
     * examples scored), and when {@code rules} (the policy version that decided this view) put the mean projection
     * difference over its threshold, its reason added and the decision raised to that rule's action if more severe
     * (never lowered: the rule part's decision, or an operator's, stands). A second result replaces the first one's
     * reason rather than adding another. Once an operator has reviewed the file, their decision and the pinned
     * policies stand as they were: the risk and its reason are recorded for the record, but a score that arrives after
     * a release cannot take the release back (the review log holds one review per file, and a job created on the
     * released file must not fail at claim on a decision nobody can review again).
     */
    public ScreenView withPersonaRisk(PersonaRisk persona, ScreenRules rules) {
        ScreenReport alone = ScreenReport.ofPersonaRisk(rulesVersion, examples, persona);
        ScreenDecision personaDecision = rules.decide(alone);
        String persona_ = ScreenCategory.PERSONA_RISK.wireName();
        List<ReasonView> newReasons = new ArrayList<>();
        reasons.stream().filter(r -> !r.category().equals(persona_)).forEach(newReasons::add);
        ScreenView personaView = ScreenView.of(alone, personaDecision);
        newReasons.addAll(personaView.reasons());
        Map<String, Long> newCategories = new LinkedHashMap<>(categories);
        newCategories.put(persona_, (long) persona.examples());
        ScreenAction current = ScreenAction.fromWireName(decision);
        boolean reviewedByOperator = review != null;
        ScreenAction raised = !reviewedByOperator && personaDecision.action().compareTo(current) > 0
                ? personaDecision.action()
                : current;
        List<String> newPins = new ArrayList<>(pinPolicies);
        if (!reviewedByOperator) {
            personaDecision.pinPolicies().stream()
                    .filter(p -> !newPins.contains(p))
                    .forEach(newPins::add);
        }
        return new ScreenView(
                status,
                raised.wireName(),
                policyId,
                policyVersion,
                rulesVersion,
                examples,
                Risk.of(persona),
                newCategories,
                newReasons,
                newPins,
                findings,
                findingsTotal,
                findingsKept,
                offset,
                hasMore,
                triggers,
                review);
    }

    /** This view with the parts that {@link #page} and {@link #reviewed} change replaced, the rest kept. */
    private ScreenView copy(
            String newDecision, List<FindingView> newFindings, int newOffset, boolean newHasMore, Review newReview) {
        return new ScreenView(
                status,
                newDecision,
                policyId,
                policyVersion,
                rulesVersion,
                examples,
                risk,
                categories,
                reasons,
                pinPolicies,
                newFindings,
                findingsTotal,
                findingsKept,
                newOffset,
                newHasMore,
                triggers,
                newReview);
    }
}
