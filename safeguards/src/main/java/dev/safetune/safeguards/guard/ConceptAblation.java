package dev.safetune.safeguards.guard;

import ai.djl.ndarray.NDManager;
import dev.safetune.runtime.model.ForwardOptions;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Concept-ablation fine-tuning, CAFT (Casademunt, Juang, Karvonen, Marks, Rajamanoharan, Nanda, "Steering
 * out-of-distribution generalization with concept ablation fine-tuning", 2025): with {@code u_l} the unit persona
 * (misalignment) direction of the base model at residual-stream index {@code l}, during training only
 *
 * <pre>
 *   h_l ← h_l − (h_l · u_l) u_l          for every token, at every l ∈ S
 * </pre>
 *
 * so the gradient cannot use that direction to fit the narrow data; inference is unchanged (the sampler's options
 * carry no ablation). Reported: 10× fewer misaligned answers after insecure-code fine-tuning, in-distribution
 * performance kept. The sixth safeguard, none of the five covers it: this class and one policy field.
 */
public final class ConceptAblation implements Safeguard {

    /** @param layers residual-stream indices to ablate at, at least one */
    public record Settings(List<Integer> layers) implements SafeguardSettings {
        public Settings {
            layers = List.copyOf(new TreeSet<>(layers));
            if (layers.isEmpty()) {
                throw new IllegalArgumentException("layers must name at least one residual-stream index");
            }
        }

        @Override
        public Safeguard build(GuardContext context) throws IOException {
            Map<Integer, float[]> directions = new LinkedHashMap<>();
            for (int layer : layers) {
                directions.put(layer, context.personaVector(layer).unit());
            }
            return new ConceptAblation(directions);
        }
    }

    public static final String NAME = "concept_ablation";

    private final Map<Integer, float[]> directions;

    /** @param directions unit vectors by residual-stream index */
    public ConceptAblation(Map<Integer, float[]> directions) {
        this.directions = new LinkedHashMap<>();
        directions.forEach((layer, u) -> this.directions.put(layer, u.clone()));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ForwardOptions trainingPass(ForwardOptions options, NDManager manager) {
        ForwardOptions ablated = options;
        for (Map.Entry<Integer, float[]> e : directions.entrySet()) {
            ablated = ablated.ablating(e.getKey(), manager.create(e.getValue()));
        }
        return ablated;
    }
}
