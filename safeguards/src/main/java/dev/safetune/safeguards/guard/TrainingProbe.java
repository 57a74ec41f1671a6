package dev.safetune.safeguards.guard;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import dev.safetune.runtime.chat.PaddedBatch;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.runtime.model.ForwardOutput;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.guard.artifact.PersonaVector;
import java.util.List;
import java.util.Optional;

/**
 * Live telemetry on a fixed probe batch (the same examples at every reading, so readings are comparable along a run):
 * the KL of the fine-tuned model to its base, and the projection of the mean response-token hidden state on the persona
 * vector. Two forward passes without gradient (adapter on, adapter off), neither steered nor ablated: the model as
 * inference would run it.
 *
 * <pre>
 *   KL    = Σ_{b,t} m[b,t] · Σ_v p_θ(v) (log p_θ(v) − log p_base(v)) / Σ m        (m: assistant-token predictions)
 *   proj  = Σ_{b,t} a[b,t] · h_l[b,t] · v/‖v‖ / Σ a                                 (a: assistant tokens)
 * </pre>
 */
public final class TrainingProbe {

    private final PaddedBatch batch;
    private final Optional<PersonaVector> persona;

    public TrainingProbe(List<RenderedExample> examples, int padId, Optional<PersonaVector> persona) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("a probe needs at least one example");
        }
        batch = PaddedBatch.of(examples, padId);
        this.persona = persona;
    }

    /** Reads the probe; call with autograd not recording. */
    public ProbeReading read(LlamaModel model) {
        try (NDScope scope = new NDScope()) {
            NDList arrays = batch.toArrays(model.manager());
            NDArray tokenArray = arrays.get(0);
            NDArray mask = arrays.get(1);
            ForwardOptions options = ForwardOptions.inference();
            if (persona.isPresent()) {
                options = options.capturing(persona.get().layer());
            }
            ForwardOutput tuned = model.forward(tokenArray, options);
            ForwardOutput base = model.forward(tokenArray, options.withoutAdapter());
            NDArray predictions = StepPasses.nextTokenMask(mask);
            double kl = KlToReference.klPerPosition(tuned.logits(), base.logits(), KlToReference.Direction.FORWARD)
                    .mul(predictions)
                    .sum()
                    .div(predictions.sum().maximum(1f))
                    .getFloat();
            if (persona.isEmpty()) {
                return new ProbeReading(kl, null, null);
            }
            int layer = persona.get().layer();
            NDArray unit = model.manager().create(persona.get().unit());
            return new ProbeReading(
                    kl,
                    projection(tuned.hiddenStates().get(layer), mask, unit),
                    projection(base.hiddenStates().get(layer), mask, unit));
        }
    }

    private static double projection(NDArray hidden, NDArray mask, NDArray unit) {
        NDArray perToken = hidden.matMul(unit.expandDims(-1)).squeeze(-1);
        return perToken.mul(mask).sum().div(mask.sum().maximum(1f)).getFloat();
    }
}
