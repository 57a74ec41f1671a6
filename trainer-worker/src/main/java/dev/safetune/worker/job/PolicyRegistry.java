package dev.safetune.worker.job;

import dev.safetune.safeguards.guard.BenignPool;
import dev.safetune.worker.embench.EmBenchMaterial;
import dev.safetune.worker.training.SafeguardsFromPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Resolves the ids a job's policy names, for that job only. Benign pools: the built-in em-bench pools
 * ({@link EmBenchMaterial#BENIGN_POOL_IDS}); no other pool is registered yet. EM reference models (issue 23), owned
 * by the job's organisation or by an organisation whose keys include the safety team's (who registers them) — never
 * another customer's — and trained over the job's own base, are either
 * <ul>
 *   <li>a fine-tuned model in the {@code models} table, by its model id; or
 *   <li>the candidate of a fine-tune the release gate <em>blocked</em>, by its job id: what the safety team registers.
 *       An EM reference is misaligned by design, so the gate blocks it and it never gets a {@code models} row: it
 *       cannot be listed, sampled or downloaded, and serves only as the reference of perplexity-gap interleaving
 *       ({@code em-bench run} trains them so, docs/safeguards.md). A job whose audit is undecided, or that the gate
 *       released, does not resolve by its job id.
 * </ul>
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
        return jdbc
                .sql("""
                        SELECT storage_path FROM models
                         WHERE id = :id AND kind = 'fine_tuned' AND base_model = :base
                           AND (organization_id = :org
                                OR organization_id IN (SELECT organization_id FROM api_keys WHERE role = 'safety'))
                        UNION ALL
                        SELECT candidate_path FROM job_audits
                         WHERE job_id = :id AND decision = 'blocked' AND base_model = :base
                           AND (organization_id = :org
                                OR organization_id IN (SELECT organization_id FROM api_keys WHERE role = 'safety'))
                        """)
                .param("id", modelId)
                .param("base", baseModelId)
                .param("org", organizationId)
                .query(String.class)
                .list()
                .stream()
                .map(Path::of)
                .filter(Files::isDirectory)
                .findFirst()
                .orElseThrow(() -> new JobRunner.JobFailure(
                        "safety_policy_unresolved",
                        "The safety policy names EM reference model " + modelId
                                + ", which is not available for this base model"));
    }
}
