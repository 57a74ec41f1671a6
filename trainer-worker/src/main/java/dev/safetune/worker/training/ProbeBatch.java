package dev.safetune.worker.training;

import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.safeguards.guard.GuardContext;
import dev.safetune.safeguards.guard.SafeguardPlan;
import dev.safetune.safeguards.guard.TrainingProbe;
import dev.safetune.safeguards.guard.artifact.PersonaVector;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** Chooses the fixed batch the safeguards' telemetry probe reads during a run. */
final class ProbeBatch {

    /** How many examples the probe reads. */
    static final int PROBE_EXAMPLES = 8;

    private ProbeBatch() {}

    /**
     * The probe of the safeguards' telemetry, or null when the plan reads none: up to {@value #PROBE_EXAMPLES} of the
     * validation examples, else of the customer's own training examples (never rewritten by a safeguard).
     */
    static TrainingProbe forRun(
            TrainingRequest request,
            ChatRenderer renderer,
            List<RenderedExample> validation,
            GuardContext context,
            int padId)
            throws IOException {
        SafeguardPlan plan = request.safeguards();
        if (plan.probeEverySteps() == 0) {
            return null;
        }
        List<RenderedExample> examples = validation.isEmpty()
                ? renderer.renderAll(request.training()
                        .subList(
                                0,
                                Math.min(PROBE_EXAMPLES * 4, request.training().size())))
                : validation;
        Optional<PersonaVector> persona = plan.personaProbeLayer().isPresent()
                ? Optional.of(context.personaVector(plan.personaProbeLayer().getAsInt()))
                : Optional.empty();
        return examples.isEmpty()
                ? null
                : new TrainingProbe(examples.subList(0, Math.min(PROBE_EXAMPLES, examples.size())), padId, persona);
    }
}
