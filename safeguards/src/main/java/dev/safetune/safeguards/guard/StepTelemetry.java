package dev.safetune.safeguards.guard;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safeguards' telemetry of one step, as job events, meters and the per-checkpoint file carry it.
 *
 * @param probe the probe's latest reading (at this step or before), null before the first
 * @param probeStep the step {@code probe} was read at; 0 without a reading
 */
public record StepTelemetry(int step, LossBreakdown loss, ProbeReading probe, int probeStep, double tokensPerSecond) {

    /**
     * JSON-ready: {@code step, task_loss, total_loss, terms: {name: {value, share}}, probe_kl_to_base,
     * probe_step, persona_projection, base_persona_projection, tokens_per_second}.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("step", step);
        out.put("task_loss", loss.task());
        out.put("total_loss", loss.total());
        Map<String, Object> terms = new LinkedHashMap<>();
        loss.terms().forEach((name, value) -> {
            Map<String, Object> term = new LinkedHashMap<>();
            term.put("value", value);
            term.put("share", loss.share(name));
            terms.put(name, term);
        });
        out.put("terms", terms);
        if (probe != null) {
            out.put("probe_step", probeStep);
            out.put("probe_kl_to_base", probe.klToBase());
            if (probe.personaProjection() != null) {
                out.put("persona_projection", probe.personaProjection());
                out.put("base_persona_projection", probe.baseProjection());
            }
        }
        out.put("tokens_per_second", tokensPerSecond);
        return out;
    }
}
