package dev.safetune.safeguards.guard;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.runtime.model.ForwardOptions;
import java.util.List;
import java.util.Optional;

/**
 * An in-training safeguard: the points of a fine-tuning run where it may act, each a no-op by default. The fine-tuner
 * calls them through a {@link SafeguardSet} and never knows which safeguards exist, as DJL's
 * {@code SimpleCompositeLoss} adds losses it does not know.
 *
 * <ol>
 *   <li>Which examples: {@link #rewrite} maps each of the customer's training examples (inoculation prompting adds a
 *       system prompt), then {@link #additions} adds examples of its own (interleaving a benign pool). Validation
 *       examples and everything after training (sampling, the audit) never pass through either.
 *   <li>The trained pass: {@link #trainingPass} changes the {@link ForwardOptions} of the training step's forward
 *       pass only (a steering vector, a concept ablation); the reference pass, validation and inference use options
 *       of their own.
 *   <li>An extra loss term: {@link #reference} says what it needs from the one shared frozen reference pass (base
 *       model = adapter off, no gradient), {@link #term} computes its weighted term from both passes. The step
 *       minimises {@code L_task + Σ term}, and each term is reported under {@link #name}.
 * </ol>
 *
 * A new safeguard is one class implementing this interface with a {@link SafeguardSettings} record that builds it,
 * plus one policy field mapped onto that record.
 */
public interface Safeguard {

    /** Stable snake_case name, the key of its term in telemetry ({@code kl_to_reference}, …). */
    String name();

    /** One of the customer's training examples as this safeguard wants it trained on. */
    default ChatExample rewrite(ChatExample example) {
        return example;
    }

    /**
     * Examples to train on besides the customer's {@code training} (after {@link #rewrite}); drawn deterministically
     * from {@code seed}, so that a resumed run trains on the same set.
     */
    default List<ChatExample> additions(List<ChatExample> training, long seed) {
        return List.of();
    }

    /**
     * The options of the training step's forward pass; arrays it adds are created in {@code manager} inside the step's
     * scope.
     */
    default ForwardOptions trainingPass(ForwardOptions options, NDManager manager) {
        return options;
    }

    /** What {@link #term} reads from the frozen reference pass and from the trained pass. */
    default ReferenceNeeds reference() {
        return ReferenceNeeds.NONE;
    }

    /** This safeguard's weighted loss term (a scalar with its gradient), if it adds one. */
    default Optional<NDArray> term(StepPasses passes) {
        return Optional.empty();
    }
}
