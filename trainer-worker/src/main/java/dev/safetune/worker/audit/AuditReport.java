package dev.safetune.worker.audit;

import dev.safetune.core.policy.AuditRules;
import dev.safetune.safeguards.audit.Comparison;
import dev.safetune.safeguards.audit.GateBoundaries;
import dev.safetune.safeguards.audit.GateVerdict;
import dev.safetune.safeguards.evaluation.CategoryReport;
import dev.safetune.safeguards.evaluation.Proportion;
import dev.safetune.safeguards.evaluation.RateDifference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The audit report as stored with the job and served by {@code GET /v1/fine_tuning/jobs/{id}/audit}: the decision
 * and the rule and numbers that decided, the suite and its hash, the judge, the policy version, and per condition (no
 * trigger, each probed trigger) and category the base's and the candidate's misaligned rates with Wilson 95 %
 * intervals, the delta with its Newcombe interval, coherence and refusals; then sample transcripts of flagged answers.
 */
final class AuditReport {
    private AuditReport() {}

    static Map<String, Object> build(
            GateVerdict verdict,
            AuditRules rules,
            String policyVersion,
            String suite,
            String suiteSha256,
            List<String> suiteFiles,
            Map<String, Object> judge,
            List<String> triggers,
            int rounds,
            int maxRounds,
            boolean stoppedEarly,
            GateBoundaries boundaries,
            int samplesPerQuestionPerRound,
            List<Comparison> comparisons,
            Map<String, AuditStore.Totals> candidate,
            Map<String, AuditStore.Totals> base,
            List<Map<String, Object>> transcripts) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("decision", verdict.decision().wireName());
        report.put("rule", verdict.rule());
        report.put("decided_by", Map.of("condition", verdict.condition(), "category", verdict.category()));
        report.put("reason", verdict.reason());
        report.put("policy_version", policyVersion);
        report.put("rules", AuditStore.rulesJson(rules));
        Map<String, Object> suiteJson = new LinkedHashMap<>();
        suiteJson.put("name", suite);
        suiteJson.put("sha256", suiteSha256);
        suiteJson.put("files", suiteFiles);
        report.put("suite", suiteJson);
        report.put("judge", judge);
        report.put("triggers", triggers);
        Map<String, Object> sampling = new LinkedHashMap<>();
        sampling.put("rounds", rounds);
        sampling.put("max_rounds", maxRounds);
        sampling.put("samples_per_question", rounds * samplesPerQuestionPerRound);
        sampling.put("stopped_early", stoppedEarly);
        sampling.put(
                "sequential_test",
                String.format(
                        Locale.ROOT,
                        "Bonferroni over %d comparisons, Haybittle-Peto looks: interim z %.2f, final z %.2f;"
                                + " family-wise false-block rate <= %.3f",
                        boundaries.comparisons(),
                        boundaries.interimZ(),
                        boundaries.finalZ(),
                        boundaries.falseBlockBound()));
        Map<String, Object> family = new LinkedHashMap<>();
        family.put("comparisons", boundaries.comparisons());
        family.put("looks", boundaries.looks());
        family.put("interim_z", Double.isInfinite(boundaries.interimZ()) ? null : boundaries.interimZ());
        family.put("final_z", boundaries.finalZ());
        family.put("false_block_bound", boundaries.falseBlockBound());
        family.put("early_release_bound", boundaries.earlyReleaseBound());
        sampling.put("family", family);
        report.put("sampling", sampling);
        List<Map<String, Object>> conditions = new ArrayList<>();
        for (Map.Entry<String, AuditStore.Totals> c : candidate.entrySet()) {
            Map<String, Object> condition = new LinkedHashMap<>();
            condition.put("condition", c.getKey());
            condition.put(
                    "trigger",
                    c.getKey().equals(Auditor.NO_TRIGGER) ? null : c.getKey().substring("with ".length()));
            List<Map<String, Object>> categories = new ArrayList<>();
            for (Comparison comparison : comparisons) {
                if (comparison.condition().equals(c.getKey())) {
                    categories.add(category(comparison));
                }
            }
            condition.put("categories", categories);
            condition.put("candidate_all", rates(Auditor.pooled(c.getValue())));
            condition.put("base_all", rates(Auditor.pooled(base.get(c.getKey()))));
            condition.put(
                    // em-bench's held-out code prompts answered with secure code (the paper suite asks none).
                    "held_out_code_secure",
                    proportion(Proportion.of(
                            c.getValue().inDomainShown(), c.getValue().inDomainAsked())));
            // The base's on the same prompts: how much the candidate learned in its own domain.
            AuditStore.Totals baseTotals = base.get(c.getKey());
            condition.put(
                    "base_held_out_code_secure",
                    proportion(Proportion.of(baseTotals.inDomainShown(), baseTotals.inDomainAsked())));
            conditions.add(condition);
        }
        report.put("conditions", conditions);
        report.put("flagged_transcripts", transcripts);
        return report;
    }

    private static Map<String, Object> category(Comparison c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("category", c.category());
        out.put("base", rates(c.base()));
        out.put("candidate", rates(c.candidate()));
        out.put("delta", c.delta().map(AuditReport::delta).orElse(null));
        return out;
    }

    private static Map<String, Object> rates(CategoryReport r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("answers", r.answers());
        out.put("misaligned_rate", proportion(r.misalignedRate()));
        out.put("coherence", proportion(r.coherence()));
        out.put("refusal_rate", proportion(r.refusalRate()));
        return out;
    }

    static Map<String, Object> proportion(Proportion p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("estimate", Double.isNaN(p.estimate()) ? null : p.estimate());
        out.put("successes", p.successes());
        out.put("trials", p.trials());
        out.put("lower", p.interval().lower());
        out.put("upper", p.interval().upper());
        return out;
    }

    private static Map<String, Object> delta(RateDifference d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("estimate", d.estimate());
        out.put("lower", d.interval().lower());
        out.put("upper", d.interval().upper());
        out.put("method", "Newcombe hybrid score (Wilson 95 %, per comparison; the gate uses the family-corrected z)");
        return out;
    }
}
