package dev.safetune.core.policy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The one table of what makes a policy at least as strict as another: a customer may pin a job to any policy that is
 * stricter than or equal to the default, never to a weaker one. "Stricter" means "at least as much protection against
 * emergent misalignment, by the evidence we have", field by field; a change whose effect on misalignment is not known
 * to be protective (another reference set, another inoculation prompt) is not stricter, so it needs the safety team.
 *
 * <table>
 *   <caption>Per field: the candidate is stricter-or-equal when</caption>
 *   <tr><th>field</th><th>rule</th></tr>
 *   <tr><td>any section or safeguard on in the baseline</td><td>also on in the candidate (switching one on that the
 *       baseline lacks is always stricter)</td></tr>
 *   <tr><td>{@code safeguards.kl.beta}</td><td>≥ (paper: larger β, lower EM)</td></tr>
 *   <tr><td>{@code safeguards.kl.direction}</td><td>equal</td></tr>
 *   <tr><td>{@code safeguards.ldifs.lambda}</td><td>≥</td></tr>
 *   <tr><td>{@code safeguards.ldifs.layers}</td><td>equal (the term averages over the set; another set is another
 *       regulariser)</td></tr>
 *   <tr><td>{@code safeguards.steering.alpha}</td><td>≥ (prototype: EM fell from α 4 upwards; α 1–2 below the window
 *       did nothing or raised EM, so the rule never allows going down)</td></tr>
 *   <tr><td>{@code safeguards.steering.layer}, {@code .scale}</td><td>equal</td></tr>
 *   <tr><td>{@code safeguards.interleave.fraction}</td><td>≥</td></tr>
 *   <tr><td>{@code safeguards.interleave.selection}</td><td>equal, or {@code uniform} → {@code perplexity_gap}
 *       (interleave+ beat interleave in the paper)</td></tr>
 *   <tr><td>{@code safeguards.interleave.top_k}</td><td>equal when both use {@code perplexity_gap}</td></tr>
 *   <tr><td>{@code safeguards.interleave.drop_refusals}</td><td>true when the baseline's is true</td></tr>
 *   <tr><td>{@code safeguards.interleave.benign_pool}</td><td>equal</td></tr>
 *   <tr><td>{@code safeguards.interleave.em_reference_models}</td><td>equal set when both use
 *       {@code perplexity_gap}</td></tr>
 *   <tr><td>{@code safeguards.inoculation.system_prompt}</td><td>equal</td></tr>
 *   <tr><td>{@code safeguards.caft.layers}</td><td>a superset (ablating the direction at more layers)</td></tr>
 *   <tr><td>{@code audit.suite}</td><td>equal</td></tr>
 *   <tr><td>{@code audit.samples_per_question}</td><td>≥ (a narrower interval, so the gate trips sooner)</td></tr>
 *   <tr><td>{@code audit.max_misaligned_increase}</td><td>≤</td></tr>
 *   <tr><td>{@code audit.min_coherence}</td><td>≥ (absent counts as 0)</td></tr>
 *   <tr><td>{@code audit.probe_triggers}</td><td>true when the baseline's is true</td></tr>
 *   <tr><td>{@code audit.max_triggers}</td><td>≥ (absent counts as 0)</td></tr>
 *   <tr><td>{@code screen.rules.<category>}</td><td>present when the baseline has it</td></tr>
 *   <tr><td>{@code screen.rules.<category>.threshold}</td><td>≤ (acts on less)</td></tr>
 *   <tr><td>{@code screen.rules.<category>.action}</td><td>at least as severe: allow &lt; pin_policy &lt; hold &lt;
 *       reject</td></tr>
 *   <tr><td>{@code screen.rules.<category>.pin_policy}</td><td>equal when both pin</td></tr>
 *   <tr><td>{@code screen.rules.persona_risk.confidence}</td><td>≤, absent counting as 0.5 (a higher confidence
 *       bounds the mean lower, so acts on less)</td></tr>
 * </table>
 */
public final class StricterOrEqual {
    private StricterOrEqual() {}

    /** Whether {@code candidate} is stricter than or equal to {@code baseline}. */
    public static boolean holds(SafetyPolicy candidate, SafetyPolicy baseline) {
        return weakenings(candidate, baseline).isEmpty();
    }

    /** Each field where {@code candidate} is weaker than {@code baseline}, with why; empty when it is not. */
    public static List<PolicyViolation> weakenings(SafetyPolicy candidate, SafetyPolicy baseline) {
        Rules rules = new Rules();
        Map<String, Safeguard> mine = candidate.safeguardsOrNone().enabled();
        baseline.safeguardsOrNone().enabled().forEach((name, theirs) -> {
            String field = "safeguards." + name;
            Safeguard own = mine.get(name);
            if (own == null) {
                rules.weaker(field, "is on in the baseline and must stay on");
            } else {
                safeguard(rules, field, own, theirs);
            }
        });
        if (baseline.audit() != null) {
            if (candidate.audit() == null) {
                rules.weaker("audit", "the baseline gates every job; the audit must stay on");
            } else {
                audit(rules, candidate.audit(), baseline.audit());
            }
        }
        if (baseline.screen() != null) {
            ScreenRules own = candidate.screen() == null ? new ScreenRules(null) : candidate.screen();
            screen(rules, own, baseline.screen());
        }
        return rules.found;
    }

    /** One safeguard against the baseline's; the switch is exhaustive, so a new safeguard needs its rules here. */
    private static void safeguard(Rules r, String field, Safeguard candidate, Safeguard baseline) {
        switch (candidate) {
            case KlToReference c -> {
                KlToReference b = (KlToReference) baseline;
                r.atLeast(field + ".beta", c.beta(), b.beta());
                r.equal(field + ".direction", c.direction(), b.direction());
            }
            case FeatureSpaceL2 c -> {
                FeatureSpaceL2 b = (FeatureSpaceL2) baseline;
                r.atLeast(field + ".lambda", c.lambda(), b.lambda());
                r.equal(field + ".layers", c.layers(), b.layers());
            }
            case PersonaSteering c -> {
                PersonaSteering b = (PersonaSteering) baseline;
                r.atLeast(field + ".alpha", c.alpha(), b.alpha());
                r.equal(field + ".layer", c.layer(), b.layer());
                r.equal(field + ".scale", c.scale(), b.scale());
            }
            case BenignInterleaving c -> interleave(r, field, c, (BenignInterleaving) baseline);
            case InoculationPrompt c -> {
                InoculationPrompt b = (InoculationPrompt) baseline;
                r.equal(field + ".system_prompt", c.systemPrompt(), b.systemPrompt());
            }
            case ConceptAblation c -> {
                ConceptAblation b = (ConceptAblation) baseline;
                if (!new HashSet<>(c.layers()).containsAll(b.layers())) {
                    r.weaker(field + ".layers", "must include the baseline's layers " + b.layers());
                }
            }
        }
    }

    private static void interleave(Rules r, String field, BenignInterleaving c, BenignInterleaving b) {
        r.atLeast(field + ".fraction", c.fraction(), b.fraction());
        if (c.selection() != b.selection() && b.selection() != InterleaveSelection.UNIFORM) {
            r.weaker(field + ".selection", "must stay " + b.selection().name().toLowerCase(Locale.ROOT));
        }
        if (c.selection() == InterleaveSelection.PERPLEXITY_GAP
                && b.selection() == InterleaveSelection.PERPLEXITY_GAP) {
            r.equal(field + ".top_k", c.topK(), b.topK());
            r.equal(
                    field + ".em_reference_models",
                    Set.copyOf(c.emReferenceModels()),
                    Set.copyOf(b.emReferenceModels()));
        }
        if (b.dropRefusals() && !c.dropRefusals()) {
            r.weaker(field + ".drop_refusals", "must stay true");
        }
        r.equal(field + ".benign_pool", c.benignPool(), b.benignPool());
    }

    private static void audit(Rules r, AuditRules c, AuditRules b) {
        r.equal("audit.suite", c.suite(), b.suite());
        r.atLeast("audit.samples_per_question", c.samplesPerQuestion(), b.samplesPerQuestion());
        r.atMost("audit.max_misaligned_increase", c.maxMisalignedIncrease(), b.maxMisalignedIncrease());
        r.atLeast("audit.min_coherence", orZero(c.minCoherence()), orZero(b.minCoherence()));
        if (b.probeTriggers() && !c.probeTriggers()) {
            r.weaker("audit.probe_triggers", "must stay true");
        }
        r.atLeast("audit.max_triggers", orZero(c.maxTriggers()), orZero(b.maxTriggers()));
    }

    private static void screen(Rules r, ScreenRules c, ScreenRules b) {
        b.rules().forEach((category, theirs) -> {
            String field = "screen.rules." + category;
            ScreenRule own = c.rules().get(category);
            if (own == null) {
                r.weaker(field, "is screened in the baseline and must stay screened");
                return;
            }
            r.atMost(field + ".threshold", own.threshold(), theirs.threshold());
            if (own.confidence() != null || theirs.confidence() != null) {
                r.atMost(field + ".confidence", own.confidenceOrMean(), theirs.confidenceOrMean());
            }
            if (own.action().compareTo(theirs.action()) < 0) {
                r.weaker(
                        field + ".action",
                        "must be at least as severe as "
                                + theirs.action().name().toLowerCase(Locale.ROOT));
            }
            if (own.action() == ScreenAction.PIN_POLICY && theirs.action() == ScreenAction.PIN_POLICY) {
                r.equal(field + ".pin_policy", own.pinPolicy(), theirs.pinPolicy());
            }
        });
    }

    private static double orZero(Number value) {
        return value == null ? 0 : value.doubleValue();
    }

    /** Collects weakenings; each comparison says how the candidate must relate to the baseline. */
    private static final class Rules {
        final List<PolicyViolation> found = new ArrayList<>();

        void weaker(String field, String why) {
            found.add(new PolicyViolation(field, why));
        }

        void atLeast(String field, Number candidate, Number baseline) {
            compare(field, candidate, baseline, d -> d >= 0, "must be at least ");
        }

        void atMost(String field, Number candidate, Number baseline) {
            compare(field, candidate, baseline, d -> d <= 0, "must be at most ");
        }

        private void compare(String field, Number candidate, Number baseline, IntPredicate ok, String must) {
            int order = Double.compare(candidate.doubleValue(), baseline.doubleValue());
            if (!ok.test(order)) {
                weaker(field, must + baseline + " (the baseline's), got " + candidate);
            }
        }

        void equal(String field, Object candidate, Object baseline) {
            if (!Objects.equals(candidate, baseline)) {
                weaker(field, "must equal the baseline's " + baseline + ", got " + candidate);
            }
        }
    }
}
