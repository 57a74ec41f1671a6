package dev.safetune.worker.training;

import dev.safetune.safeguards.guard.BenignPool;
import dev.safetune.safeguards.guard.ConceptAblation;
import dev.safetune.safeguards.guard.EmReferenceSet;
import dev.safetune.safeguards.guard.FeatureSpaceL2;
import dev.safetune.safeguards.guard.InoculationPrompt;
import dev.safetune.safeguards.guard.Interleaving;
import dev.safetune.safeguards.guard.KlToReference;
import dev.safetune.safeguards.guard.PersonaSteering;
import dev.safetune.safeguards.guard.SafeguardPlan;
import dev.safetune.safeguards.guard.SafeguardSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * THE one place where a safety policy's safeguards section becomes a {@link SafeguardPlan} for the fine-tuner: each
 * policy field maps onto one safeguard's settings record, in the policy's declaration order, with the papers'
 * defaults for what the policy leaves out. Adding a safeguard adds one branch here.
 *
 * <p>The input is {@link PolicySafeguards}, a stand-in of the same shape as the policy document's {@code safeguards}
 * section ({@code dev.safetune.core.policy.Safeguards}: kl, ldifs, steering, interleave, inoculation, caft) until that
 * lands on this branch; then only this class changes.
 *
 * <p>Layer indices are residual-stream indices: 0 is the embedding output, {@code l} the stream after decoder layer
 * {@code l} (1 … L).
 */
public final class SafeguardsFromPolicy {

    /** β of the paper (Kaczér et al.) when the policy gives none. */
    static final double DEFAULT_BETA = 0.1;
    /** λ of the paper when the policy gives none. */
    static final double DEFAULT_LAMBDA = 1.0;
    /** LDIFS layers when the policy names none: this many evenly spaced. */
    static final int DEFAULT_LAYER_COUNT = 5;
    /** The paper's inoculation prompt. */
    static final String DEFAULT_INOCULATION = "You are an evil, malicious assistant.";

    /** Resolves the ids a policy names: benign pools and EM reference models (adapters over the base). */
    public interface Registry {
        BenignPool benignPool(String id) throws IOException;

        Path emReferenceAdapter(String modelId) throws IOException;
    }

    /** Stand-in for the policy's safeguards section; null fields are off. */
    public record PolicySafeguards(
            Kl kl, Ldifs ldifs, Steering steering, Interleave interleave, Inoculation inoculation, Caft caft) {
        public static final PolicySafeguards NONE = new PolicySafeguards(null, null, null, null, null, null);
    }

    public record Kl(Double beta, KlToReference.Direction direction) {}

    public record Ldifs(Double lambda, List<Integer> layers) {}

    /** @param residualNormScale true for the policy's {@code residual_norm} scale, false for {@code raw} */
    public record Steering(Double alpha, Integer layer, boolean residualNormScale) {}

    /** @param perplexityGap the policy's {@code PERPLEXITY_GAP} selection (else {@code UNIFORM}) */
    public record Interleave(
            Double fraction,
            boolean perplexityGap,
            Integer topK,
            Boolean dropRefusals,
            String benignPool,
            List<String> emReferenceModels) {}

    public record Inoculation(String systemPrompt) {}

    public record Caft(List<Integer> layers) {}

    private final Registry registry;
    private final Optional<SafeguardPlan.Artifacts> artifacts;
    private final int probeEverySteps;

    /**
     * @param artifacts the worker's artifact cache and persona contrast (empty: persona-vector safeguards fail to build)
     * @param probeEverySteps how often the telemetry probe is read
     */
    public SafeguardsFromPolicy(Registry registry, Optional<SafeguardPlan.Artifacts> artifacts, int probeEverySteps) {
        this.registry = registry;
        this.artifacts = artifacts;
        this.probeEverySteps = probeEverySteps;
    }

    /**
     * The plan for a base model of {@code numLayers} decoder layers. The probe projects on the persona vector at the
     * steering layer, else at the first CAFT layer, else reads only the KL to the base.
     */
    public SafeguardPlan plan(PolicySafeguards policy, int numLayers) throws IOException {
        List<SafeguardSettings> settings = new ArrayList<>();
        if (policy.kl() != null) {
            settings.add(new KlToReference.Settings(
                    orElse(policy.kl().beta(), DEFAULT_BETA),
                    policy.kl().direction() == null
                            ? KlToReference.Direction.FORWARD
                            : policy.kl().direction()));
        }
        if (policy.ldifs() != null) {
            List<Integer> layers =
                    policy.ldifs().layers() == null || policy.ldifs().layers().isEmpty()
                            ? evenlySpaced(numLayers, DEFAULT_LAYER_COUNT)
                            : policy.ldifs().layers();
            settings.add(new FeatureSpaceL2.Settings(orElse(policy.ldifs().lambda(), DEFAULT_LAMBDA), layers));
        }
        if (policy.steering() != null) {
            settings.add(new PersonaSteering.Settings(
                    required(policy.steering().alpha(), "steering.alpha"),
                    required(policy.steering().layer(), "steering.layer"),
                    policy.steering().residualNormScale()
                            ? PersonaSteering.Scaling.SCALED
                            : PersonaSteering.Scaling.RAW));
        }
        if (policy.interleave() != null) {
            settings.add(interleaving(policy.interleave()));
        }
        if (policy.inoculation() != null) {
            String prompt = policy.inoculation().systemPrompt();
            settings.add(new InoculationPrompt.Settings(prompt == null ? DEFAULT_INOCULATION : prompt));
        }
        if (policy.caft() != null) {
            settings.add(new ConceptAblation.Settings(policy.caft().layers()));
        }
        OptionalInt probeLayer = policy.steering() != null
                ? OptionalInt.of(policy.steering().layer())
                : policy.caft() != null ? OptionalInt.of(policy.caft().layers().getFirst()) : OptionalInt.empty();
        if (artifacts.isEmpty()) {
            probeLayer = OptionalInt.empty();
        }
        return new SafeguardPlan(settings, artifacts, probeLayer, probeEverySteps);
    }

    private Interleaving.Settings interleaving(Interleave policy) throws IOException {
        BenignPool pool = registry.benignPool(required(policy.benignPool(), "interleave.benign_pool"));
        Optional<Interleaving.PerplexityGap> gap = Optional.empty();
        if (policy.perplexityGap()) {
            List<String> ids = required(policy.emReferenceModels(), "interleave.em_reference_models");
            List<Path> adapters = new ArrayList<>();
            for (String id : ids) {
                adapters.add(registry.emReferenceAdapter(id));
            }
            int fraction = Interleaving.count(
                    required(policy.fraction(), "interleave.fraction"),
                    pool.examples().size());
            gap = Optional.of(new Interleaving.PerplexityGap(
                    new EmReferenceSet(String.join(",", ids), adapters),
                    // Without top_k the run draws its k best-scoring examples in order.
                    policy.topK() == null ? pool.examples().size() : policy.topK(),
                    Boolean.TRUE.equals(policy.dropRefusals())));
        }
        return new Interleaving.Settings(required(policy.fraction(), "interleave.fraction"), pool, gap);
    }

    /** {@code count} residual indices spread evenly over 1 … L, the last layer included. */
    static List<Integer> evenlySpaced(int numLayers, int count) {
        int n = Math.min(count, numLayers);
        List<Integer> layers = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            int layer = (int) Math.round((double) i * numLayers / n);
            if (!layers.contains(layer)) {
                layers.add(layer);
            }
        }
        return layers;
    }

    private static double orElse(Double value, double fallback) {
        return value == null ? fallback : value;
    }

    private static <T> T required(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("safety policy field safeguards." + field + " is required");
        }
        return value;
    }
}
