package dev.safetune.worker.training;

import dev.safetune.core.policy.BenignInterleaving;
import dev.safetune.core.policy.InterleaveSelection;
import dev.safetune.core.policy.KlDirection;
import dev.safetune.core.policy.Safeguards;
import dev.safetune.core.policy.SteeringScale;
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
 * THE one place where a safety policy's safeguards section ({@link Safeguards}) becomes a {@link SafeguardPlan} for
 * the fine-tuner: each policy field maps onto one safeguard's settings record, in the policy's declaration order.
 * Adding a safeguard adds one branch here.
 *
 * <p>Layer indices are the same on both sides: residual-stream indices, 0 the embedding output, {@code l} the stream
 * after decoder layer {@code l} (1 … L). A policy layer past the base model's L is refused here (the policy's bounds
 * do not know the base).
 *
 * <p>Persona steering and CAFT need a persona vector, computed from a contrastive set for the base. A base without
 * one (no {@link SafeguardPlan.Artifacts}) trains without them, without perplexity-gap interleaving (its scores live
 * in the same artifact cache) and without the probe's persona projection: the
 * result says so in {@link Mapped#skipped()} so the job can warn, never fail (the customer cannot fix it). The same
 * holds for KL and LDIFS on a base that is fully fine-tuned (its config says so): there is no adapter to switch off,
 * so no frozen reference.
 */
public final class SafeguardsFromPolicy {

    /** LDIFS layers when the policy names none: this many evenly spaced. */
    static final int DEFAULT_LAYER_COUNT = dev.safetune.core.policy.FeatureSpaceL2.DEFAULT_LAYER_COUNT;

    /** Resolves the ids a policy names: benign pools and EM reference models (adapters over the base). */
    public interface Registry {
        /** @throws IllegalArgumentException when no pool has that id */
        BenignPool benignPool(String id) throws IOException;

        /** @throws IllegalArgumentException when no EM reference model has that id for this base */
        Path emReferenceAdapter(String modelId) throws IOException;

        /**
         * Whether the pool is material for this base: a pool built for one world (the em-bench pool for em-bench
         * bases) would teach another base that world's text, so interleaving is skipped there, as steering is on a
         * base without a contrast set.
         */
        default boolean benignPoolFits(String id) {
            return true;
        }
    }

    /** Why a base cannot run a safeguard its policy asks for. */
    public enum SkipReason {
        /** No persona contrast set for this base: no persona vector, no perplexity-gap cache. */
        NO_CONTRAST_SET,
        /** The base is fully fine-tuned, so there is no frozen reference (the base = the adapter switched off). */
        NO_FROZEN_REFERENCE,
        /** The policy's benign pool is material for other bases (the em-bench pool on a base of another world). */
        NO_BENIGN_POOL
    }

    /** A safeguard of the policy that this base does not run, by its document field name. */
    public record Skipped(String safeguard, SkipReason reason) {}

    /**
     * The plan, and which of the policy's safeguards (by their document field name) it runs and which it skips.
     *
     * @param skipped safeguards the policy asks for that this base cannot run, with why
     */
    public record Mapped(SafeguardPlan plan, List<String> applied, List<Skipped> skipped) {
        public Mapped {
            applied = List.copyOf(applied);
            skipped = List.copyOf(skipped);
        }

        /** The skipped safeguards' names. */
        public List<String> skippedNames() {
            return skipped.stream().map(Skipped::safeguard).toList();
        }
    }

    private final Registry registry;
    private final int probeEverySteps;

    /** @param probeEverySteps how often the telemetry probe is read */
    public SafeguardsFromPolicy(Registry registry, int probeEverySteps) {
        this.registry = registry;
        this.probeEverySteps = probeEverySteps;
    }

    /**
     * The plan for a base model of {@code numLayers} decoder layers. The probe projects on the persona vector at the
     * steering layer, else at the first CAFT layer, else at the middle residual index {@code numLayers / 2}; on a base
     * without a contrast set it reads only the KL to the base.
     *
     * @param frozenReference whether the run trains an adapter, so the base is there as KL's and LDIFS's reference
     * @param artifacts the cache and persona contrast for this base; empty when the base has no contrastive set
     */
    public Mapped plan(
            Safeguards policy, int numLayers, boolean frozenReference, Optional<SafeguardPlan.Artifacts> artifacts)
            throws IOException {
        List<SafeguardSettings> settings = new ArrayList<>();
        List<String> applied = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        boolean persona = artifacts.isPresent();
        if (policy.kl() != null && !frozenReference) {
            skipped.add(new Skipped("kl", SkipReason.NO_FROZEN_REFERENCE));
        } else if (policy.kl() != null) {
            settings.add(new KlToReference.Settings(
                    policy.kl().beta(),
                    policy.kl().direction() == KlDirection.REVERSE
                            ? KlToReference.Direction.REVERSE
                            : KlToReference.Direction.FORWARD));
            applied.add("kl");
        }
        if (policy.ldifs() != null && !frozenReference) {
            skipped.add(new Skipped("ldifs", SkipReason.NO_FROZEN_REFERENCE));
        } else if (policy.ldifs() != null) {
            List<Integer> layers = policy.ldifs().layers().isEmpty()
                    ? evenlySpaced(numLayers, DEFAULT_LAYER_COUNT)
                    : inRange(policy.ldifs().layers(), numLayers, "ldifs.layers");
            settings.add(new FeatureSpaceL2.Settings(policy.ldifs().lambda(), layers));
            applied.add("ldifs");
        }
        if (policy.steering() != null) {
            int layer = inRange(List.of(policy.steering().layer()), numLayers, "steering.layer")
                    .getFirst();
            if (persona) {
                settings.add(new PersonaSteering.Settings(
                        policy.steering().alpha(),
                        layer,
                        policy.steering().scale() == SteeringScale.RESIDUAL_NORM
                                ? PersonaSteering.Scaling.SCALED
                                : PersonaSteering.Scaling.RAW));
                applied.add("steering");
            } else {
                skipped.add(new Skipped("steering", SkipReason.NO_CONTRAST_SET));
            }
        }
        if (policy.interleave() != null
                && !registry.benignPoolFits(policy.interleave().benignPool())) {
            skipped.add(new Skipped("interleave", SkipReason.NO_BENIGN_POOL));
        } else if (policy.interleave() != null) {
            // Perplexity-gap scores live in the artifact cache, which comes with the base's contrast set.
            if (persona || policy.interleave().selection() == InterleaveSelection.UNIFORM) {
                settings.add(interleaving(policy.interleave()));
                applied.add("interleave");
            } else {
                skipped.add(new Skipped("interleave", SkipReason.NO_CONTRAST_SET));
            }
        }
        if (policy.inoculation() != null) {
            settings.add(new InoculationPrompt.Settings(policy.inoculation().systemPrompt()));
            applied.add("inoculation");
        }
        if (policy.caft() != null) {
            List<Integer> layers = inRange(policy.caft().layers(), numLayers, "caft.layers");
            if (persona) {
                settings.add(new ConceptAblation.Settings(layers));
                applied.add("caft");
            } else {
                skipped.add(new Skipped("caft", SkipReason.NO_CONTRAST_SET));
            }
        }
        // The persona projection is the telemetry's live EM warning, wanted under every policy (an interleave-only
        // default included), so without a steering or CAFT layer it is read at the middle residual index.
        OptionalInt probeLayer = !persona || settings.isEmpty()
                ? OptionalInt.empty()
                : policy.steering() != null
                        ? OptionalInt.of(policy.steering().layer())
                        : policy.caft() != null
                                ? OptionalInt.of(policy.caft().layers().getFirst())
                                : OptionalInt.of(numLayers / 2);
        // Artifacts are computed on first use only, so a plan that needs none computes none.
        int probeEvery = settings.isEmpty() ? 0 : probeEverySteps;
        return new Mapped(new SafeguardPlan(settings, artifacts, probeLayer, probeEvery), applied, skipped);
    }

    private Interleaving.Settings interleaving(BenignInterleaving policy) throws IOException {
        BenignPool pool = registry.benignPool(policy.benignPool());
        Optional<Interleaving.PerplexityGap> gap = Optional.empty();
        if (policy.selection() == InterleaveSelection.PERPLEXITY_GAP) {
            List<Path> adapters = new ArrayList<>();
            for (String id : policy.emReferenceModels()) {
                adapters.add(registry.emReferenceAdapter(id));
            }
            gap = Optional.of(new Interleaving.PerplexityGap(
                    new EmReferenceSet(String.join(",", policy.emReferenceModels()), adapters),
                    policy.topK(),
                    policy.dropRefusals()));
        }
        return new Interleaving.Settings(policy.fraction(), pool, gap);
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

    private static List<Integer> inRange(List<Integer> layers, int numLayers, String field) {
        for (int layer : layers) {
            if (layer > numLayers) {
                throw new IllegalArgumentException("safety policy field safeguards." + field + " names layer "
                        + layer + ", but the base model has " + numLayers + " decoder layers (residual indices 0-"
                        + numLayers + ")");
            }
        }
        return layers;
    }
}
