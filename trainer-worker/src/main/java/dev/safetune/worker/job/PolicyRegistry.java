package dev.safetune.worker.job;

import dev.safetune.safeguards.guard.BenignPool;
import dev.safetune.worker.embench.EmBenchMaterial;
import dev.safetune.worker.training.SafeguardsFromPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Resolves the ids a job's policy names, for that job only. Benign pools: the built-in em-bench pools
 * ({@link EmBenchMaterial#BENIGN_POOL_IDS}); no other pool is registered yet. EM reference models: fine-tuned models
 * in the {@code models} table over the job's own base, owned by the job's organisation or by an organisation whose
 * keys include the safety team's (who registers them, issue 23) — never another customer's model.
 */
final class PolicyRegistry implements SafeguardsFromPolicy.Registry {
    private final JdbcClient jdbc;
    private final String organizationId;
    private final String baseModelId;

    PolicyRegistry(JdbcClient jdbc, String organizationId, String baseModelId) {
        this.jdbc = jdbc;
        this.organizationId = organizationId;
        this.baseModelId = baseModelId;
    }

    @Override
    public BenignPool benignPool(String id) {
        return EmBenchMaterial.benignPool(id)
                .orElseThrow(() -> new JobRunner.JobFailure(
                        "safety_policy_unresolved",
                        "The safety policy names benign pool " + id + ", which does not exist"));
    }

    /**
     * The built-in em-bench pools are em-bench's world text: material for em-bench bases only, and for the copies of
     * one that {@code em-bench run} registers to declare another fine-tuning method ({@code em-bench-base-s0-full}, …).
     */
    @Override
    public boolean benignPoolFits(String id) {
        return !EmBenchMaterial.isBuiltInPool(id)
                || EM_BENCH_WORLD.matcher(baseModelId).matches();
    }

    private static final java.util.regex.Pattern EM_BENCH_WORLD =
            java.util.regex.Pattern.compile("em-bench-base-s\\d+(-[a-z0-9]+)?");

    @Override
    public Path emReferenceAdapter(String modelId) {
        Path path = jdbc.sql("""
                        SELECT storage_path FROM models
                         WHERE id = :id AND kind = 'fine_tuned' AND base_model = :base
                           AND (organization_id = :org
                                OR organization_id IN (SELECT organization_id FROM api_keys WHERE role = 'safety'))
                        """)
                .param("id", modelId)
                .param("base", baseModelId)
                .param("org", organizationId)
                .query(String.class)
                .optional()
                .map(Path::of)
                .filter(Files::isDirectory)
                .orElseThrow(() -> new JobRunner.JobFailure(
                        "safety_policy_unresolved",
                        "The safety policy names EM reference model " + modelId
                                + ", which is not available for this base model"));
        return path;
    }
}
