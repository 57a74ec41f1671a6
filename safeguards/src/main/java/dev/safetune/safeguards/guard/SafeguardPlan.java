package dev.safetune.safeguards.guard;

import dev.safetune.safeguards.guard.artifact.ArtifactCache;
import dev.safetune.safeguards.guard.artifact.CachedArtifacts;
import dev.safetune.safeguards.guard.artifact.PersonaContrast;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The safeguards a training request asks for, with what their artifacts and telemetry need.
 *
 * @param safeguards in the order they act; empty for plain fine-tuning
 * @param artifacts where persona vectors and perplexity-gap scores are cached and what persona vectors are computed
 *     from; empty when no safeguard and no probe needs an artifact
 * @param personaProbeLayer the residual-stream index whose persona-vector projection the probe reports; empty for none
 * @param probeEverySteps read the probe every this many steps (and at step 1, checkpoints and the last step); 0 never
 */
public record SafeguardPlan(
        List<SafeguardSettings> safeguards,
        Optional<Artifacts> artifacts,
        OptionalInt personaProbeLayer,
        int probeEverySteps) {

    /** Where artifacts live and what persona vectors are computed from. */
    public record Artifacts(Path cacheDir, PersonaContrast contrast) {
        public Artifacts {
            Objects.requireNonNull(cacheDir, "cacheDir");
            Objects.requireNonNull(contrast, "contrast");
        }
    }

    /** No safeguard, no probe: plain supervised fine-tuning. */
    public static final SafeguardPlan NONE = new SafeguardPlan(List.of(), Optional.empty(), OptionalInt.empty(), 0);

    public SafeguardPlan {
        safeguards = List.copyOf(safeguards);
        Objects.requireNonNull(artifacts, "artifacts");
        Objects.requireNonNull(personaProbeLayer, "personaProbeLayer");
        if (probeEverySteps < 0) {
            throw new IllegalArgumentException("probeEverySteps must be >= 0, got " + probeEverySteps);
        }
    }

    /** The artifact source for a run on {@code baseModelDir}; {@link GuardContext#NONE} without artifacts. */
    public GuardContext context(Path baseModelDir, int maxSequenceLength) {
        return artifacts
                .<GuardContext>map(a -> new CachedArtifacts(
                        baseModelDir, new ArtifactCache(a.cacheDir()), a.contrast(), maxSequenceLength))
                .orElse(GuardContext.NONE);
    }

    /** Whether step {@code step} of {@code totalSteps} reads the probe (checkpoint steps are added by the caller). */
    public boolean probesAt(int step, int totalSteps) {
        return probeEverySteps > 0 && (step == 1 || step == totalSteps || step % probeEverySteps == 0);
    }
}
