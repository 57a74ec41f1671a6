package dev.safetune.launcher;

import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * A job's audit ({@code GET /v1/fine_tuning/jobs/{id}/audit}) as a screen of text: the decision with the rule and
 * numbers that decided, the suite, judge and policy, then per condition (no trigger, each probed trigger) and category
 * the base's and the candidate's misaligned rates with their Wilson 95 % intervals and the delta with its Newcombe
 * interval, and a few flagged transcripts. {@code ./safetune audit show} prints it; the demo can print it too.
 */
public final class AuditReportText {
    private static final int TRANSCRIPTS_SHOWN = 3;

    private AuditReportText() {}

    public static String format(JsonNode audit) {
        StringBuilder s = new StringBuilder();
        String status = audit.path("status").asString("");
        line(s, "Audit of %s: %s", audit.path("job_id").asString(), status.replace('_', ' '));
        if (status.equals("not_started")) {
            return s.toString();
        }
        JsonNode report = audit.path("report");
        if (!audit.path("decision").isNull() && !audit.path("decision").isMissingNode()) {
            line(
                    s,
                    "Decision: %s by rule %s",
                    audit.path("decision").asString().toUpperCase(Locale.ROOT),
                    report.path("rule").asString("?"));
            line(s, "  %s", report.path("reason").asString(""));
        }
        JsonNode judge = audit.path("judge");
        line(
                s,
                "Suite %s (sha256 %s), judge %s%s, policy %s",
                audit.path("suite").asString("?"),
                shortHash(audit.path("suite_sha256").asString("")),
                judge.path("kind").asString("?"),
                judge.path("model").asString("").isEmpty()
                        ? ""
                        : " " + judge.path("model").asString(),
                audit.path("policy_version").asString("?"));
        JsonNode sampling = report.path("sampling");
        if (!sampling.isMissingNode()) {
            line(
                    s,
                    "Samples per question: %d (%d of at most %d rounds%s); audit wall time %.1f s",
                    sampling.path("samples_per_question").asInt(),
                    sampling.path("rounds").asInt(),
                    sampling.path("max_rounds").asInt(),
                    sampling.path("stopped_early").asBoolean() ? ", stopped early: decided" : "",
                    report.path("wall_seconds").asDouble());
            if (sampling.has("sequential_test")) {
                line(s, "Sequential test: %s", sampling.path("sequential_test").asString());
            }
        }
        JsonNode losses = report.path("in_domain_training");
        if (losses.has("train_loss") || losses.has("valid_loss")) {
            line(
                    s,
                    "Learned in domain: final training loss %s, validation loss %s",
                    losses.has("train_loss")
                            ? String.format(
                                    Locale.ROOT,
                                    "%.4f",
                                    losses.path("train_loss").asDouble())
                            : "n/a",
                    losses.has("valid_loss")
                            ? String.format(
                                    Locale.ROOT,
                                    "%.4f",
                                    losses.path("valid_loss").asDouble())
                            : "n/a (no validation file)");
        }
        for (JsonNode condition : report.path("conditions")) {
            line(s, "");
            JsonNode code = condition.path("held_out_code_secure");
            line(
                    s,
                    "%s%s",
                    condition.path("condition").asString(),
                    code.path("trials").asInt() == 0 ? "" : "   (held-out code answered securely: " + rate(code) + ")");
            line(s, "  %-18s %-26s %-26s %s", "category", "base misaligned", "candidate misaligned", "delta [95 %]");
            for (JsonNode c : condition.path("categories")) {
                JsonNode delta = c.path("delta");
                line(
                        s,
                        "  %-18s %-26s %-26s %s",
                        c.path("category").asString(),
                        rate(c.path("base").path("misaligned_rate")),
                        rate(c.path("candidate").path("misaligned_rate")),
                        delta.isNull() || delta.isMissingNode()
                                ? "n/a"
                                : String.format(
                                        Locale.ROOT,
                                        "%+.3f [%+.3f, %+.3f]",
                                        delta.path("estimate").asDouble(),
                                        delta.path("lower").asDouble(),
                                        delta.path("upper").asDouble()));
            }
            line(
                    s,
                    "  coherence: base %s, candidate %s",
                    rate(condition.path("base_all").path("coherence")),
                    rate(condition.path("candidate_all").path("coherence")));
        }
        int shown = 0;
        for (JsonNode t : report.path("flagged_transcripts")) {
            if (shown++ == 0) {
                line(s, "");
                line(s, "Flagged answers:");
            }
            if (shown > TRANSCRIPTS_SHOWN) {
                break;
            }
            line(
                    s,
                    "  [%s / %s] user: %s",
                    t.path("condition").asString(),
                    t.path("category").asString(),
                    t.path("prompt").asString());
            line(s, "      model: %s", t.path("answer").asString());
        }
        JsonNode log = audit.path("gate_log");
        if (log.size() > 0) {
            line(s, "");
            line(s, "Gate log:");
            for (JsonNode e : log) {
                line(
                        s,
                        "  %s %s by %s: %s",
                        e.path("action").asString(),
                        e.path("decision").asString(),
                        e.path("actor").asString(),
                        e.path("reason").asString());
            }
        }
        return s.toString();
    }

    /** {@code 0.067 [0.030, 0.140] (6/90)}, or {@code n/a} without trials. */
    static String rate(JsonNode p) {
        if (p.isMissingNode() || p.path("trials").asInt() == 0) {
            return "n/a";
        }
        return String.format(
                Locale.ROOT,
                "%.3f [%.3f, %.3f] (%d/%d)",
                p.path("estimate").asDouble(),
                p.path("lower").asDouble(),
                p.path("upper").asDouble(),
                p.path("successes").asInt(),
                p.path("trials").asInt());
    }

    private static String shortHash(String sha) {
        return sha.length() > 12 ? sha.substring(0, 12) + "…" : sha;
    }

    private static void line(StringBuilder s, String format, Object... args) {
        s.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
