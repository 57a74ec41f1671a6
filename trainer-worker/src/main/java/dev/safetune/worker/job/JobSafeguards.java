package dev.safetune.worker.job;

import dev.safetune.core.policy.Safeguards;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.safeguards.guard.SafeguardPlan;
import dev.safetune.worker.embench.EmBenchMaterial;
import dev.safetune.worker.queue.ClaimedJob;
import dev.safetune.worker.queue.JobQueue;
import dev.safetune.worker.training.SafeguardsFromPolicy;
import dev.safetune.worker.work.Lease;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A job's safeguards: its pinned safety policy, resolved for its base ({@link PolicyRegistry}, {@link
 * EmBenchMaterial}) and mapped by {@link SafeguardsFromPolicy} into the plan {@link JobRunner} trains with, announced
 * in the job's events.
 */
final class JobSafeguards {
    /** The safeguard probe (KL to the base, persona projection) is read every this many steps. */
    static final int PROBE_EVERY = 10;

    private final JobQueue queue;
    private final JdbcClient jdbc;
    private final SafetyPolicies policies;
    private final Path artifactsDir;

    /** @param artifactsDir persona vectors and perplexity-gap scores are cached under its {@code safeguards/} */
    JobSafeguards(JobQueue queue, JdbcClient jdbc, SafetyPolicies policies, Path artifactsDir) {
        this.queue = queue;
        this.jdbc = jdbc;
        this.policies = policies;
        this.artifactsDir = artifactsDir;
    }

    /**
     * The job's pinned policy as a plan for this base, announced in an info message event (which ran, which were
     * skipped and why). A base without a persona contrast set trains without steering, CAFT and perplexity-gap
     * interleaving, with a warning: the customer cannot fix that, so it never fails the job.
     */
    SafeguardPlan plan(ClaimedJob job, Path baseModel, boolean adapter) throws IOException {
        Lease lease = job.lease();
        Optional<SafetyPolicies.Version> version = policies.versionForJob(job.id());
        Safeguards pinned = version.map(v -> v.document().safeguardsOrNone()).orElse(Safeguards.NONE);
        Optional<SafeguardPlan.Artifacts> artifacts = EmBenchMaterial.personaContrast(job.model())
                .map(contrast -> new SafeguardPlan.Artifacts(
                        artifactsDir.toAbsolutePath().resolve("safeguards"), contrast));
        SafeguardsFromPolicy.Mapped mapped;
        try {
            mapped = new SafeguardsFromPolicy(new PolicyRegistry(jdbc, job.organizationId(), job.model()), PROBE_EVERY)
                    .plan(pinned, ModelConfig.read(baseModel).numHiddenLayers(), adapter, artifacts);
        } catch (IllegalArgumentException e) {
            throw new JobRunner.JobFailure("safety_policy_unresolved", e.getMessage());
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("safety_policy_id", version.map(SafetyPolicies.Version::id).orElse(null));
        data.put(
                "safety_policy_version",
                version.map(SafetyPolicies.Version::version).orElse(null));
        data.put("applied", mapped.applied());
        data.put("skipped", mapped.skippedNames());
        String policyName =
                version.map(v -> v.id() + " (version " + v.version() + ")").orElse("none (job predates policies)");
        queue.appendEvent(
                lease,
                "info",
                "message",
                "Safety policy " + policyName + ": safeguards "
                        + (mapped.applied().isEmpty() ? "none" : String.join(", ", mapped.applied())),
                data);
        if (!mapped.skipped().isEmpty()) {
            queue.appendEvent(lease, "warn", "message", skippedMessage(job.model(), mapped), data);
        }
        return mapped.plan();
    }

    private static String skippedMessage(String model, SafeguardsFromPolicy.Mapped mapped) {
        List<String> parts = new ArrayList<>();
        for (SafeguardsFromPolicy.SkipReason reason : SafeguardsFromPolicy.SkipReason.values()) {
            List<String> names = mapped.skipped().stream()
                    .filter(s -> s.reason() == reason)
                    .map(SafeguardsFromPolicy.Skipped::safeguard)
                    .toList();
            if (!names.isEmpty()) {
                parts.add(String.join(", ", names) + " skipped: "
                        + switch (reason) {
                            case NO_CONTRAST_SET -> "base model " + model + " has no persona contrast set";
                            case NO_FROZEN_REFERENCE ->
                                "base model " + model + " is fully fine-tuned, so there is no frozen reference";
                            case NO_BENIGN_POOL ->
                                "the policy's benign pool is material for other base models than " + model;
                        });
            }
        }
        return "Safety policy partly applied on this base (" + String.join("; ", parts) + "); the other safeguards run";
    }
}
