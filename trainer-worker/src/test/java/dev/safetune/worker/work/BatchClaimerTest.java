package dev.safetune.worker.work;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.worker.modelimport.ImportQueue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Batch claims ({@link LeasedWorkQueue#claimBatch}, {@link BatchClaimer}) against a real PostgreSQL: fair across
 * organisations inside one batch, one lease and fencing token per row, every row claimed once by competing claimers
 * (with the background prefetch), and the rows left in the buffer handed back on stop.
 */
class BatchClaimerTest extends ThreeOrganisationQueueTestBase {
    private static final WorkKind IMPORTS = ImportQueue.kind(POLICY);

    private List<Lease> claimBatch(WorkKind kind, int n) {
        return queue.claimBatch(kind, "p1", n, ClaimFilter.NONE, (lease, row) -> lease);
    }

    private BatchClaimer<Lease> claimer(int batchSize) {
        return new BatchClaimer<>(queue, JOBS, "p1", batchSize, ClaimFilter.NONE, (lease, row) -> lease, l -> l);
    }

    private boolean complete(Lease lease) {
        return queue.transition(JOBS, lease, JOBS.leasedGuard(), "succeeded", false, "", Map.of());
    }

    @Test
    void aBatchOfTwoServesAnOrganisationQueuedBehindAnotherFifty() {
        for (int i = 0; i < 50; i++) {
            enqueue(String.format("a-%02d", i), "org-a");
        }
        enqueue("b-00", "org-b");

        assertThat(claimBatch(JOBS, 2)).extracting(Lease::id).containsExactly("a-00", "b-00");
    }

    @Test
    void aBatchTakesOrganisationsRoundRobinAtMostItsShareEach() {
        for (int i = 0; i < 5; i++) {
            enqueue("a-" + i, "org-a");
        }
        for (int i = 0; i < 5; i++) {
            enqueue("b-" + i, "org-b");
        }
        enqueue("c-0", "org-c");

        // Three organisations share a batch of 6: at most 2 rows each, so C's one row leaves the batch one short.
        assertThat(claimBatch(JOBS, 6)).extracting(Lease::id).containsExactly("a-0", "b-0", "c-0", "a-1", "b-1");
    }

    @Test
    void theOrganisationHoldingFewerLeasesGoesFirstInABatch() {
        enqueue("a-0", "org-a");
        enqueue("a-1", "org-a");
        enqueue("b-0", "org-b");
        assertThat(claimBatch(JOBS, 1)).extracting(Lease::id).containsExactly("a-0"); // A now holds a lease

        assertThat(claimBatch(JOBS, 1)).extracting(Lease::id).containsExactly("b-0");
    }

    @Test
    void kindsWithoutTenantsAreClaimedOldestFirst() {
        for (int i = 0; i < 4; i++) {
            LeasedWorkQueueTest.Kind.IMPORTS.enqueue(jdbc, "imp-" + i, null);
        }

        assertThat(claimBatch(IMPORTS, 3)).extracting(Lease::id).containsExactly("imp-0", "imp-1", "imp-2");
    }

    @Test
    void eachBatchClaimedRowHasItsOwnLeaseAndAStaleOneIsFencedOut() {
        enqueue("a-0", "org-a");
        enqueue("a-1", "org-a");
        List<Lease> batch = claimBatch(JOBS, 2);
        assertThat(batch).extracting(Lease::attempt).containsExactly(1, 1);
        jdbc.sql("UPDATE fine_tuning_jobs SET lease_until = now() - interval '1 second' WHERE id = 'a-0'")
                .update();
        assertThat(queue.expire(JOBS, new DeadWorkHandler() {}))
                .extracting(Expired::id)
                .containsExactly("a-0");
        Lease again = claimBatch(JOBS, 2).getFirst();
        assertThat(again.id()).isEqualTo("a-0");
        assertThat(again.attempt()).isEqualTo(2);

        assertThat(complete(batch.get(0))).isFalse(); // the first claim of a-0 lost its lease
        assertThat(complete(batch.get(1))).isTrue();
        assertThat(complete(again)).isTrue();
        assertThat(status("a-0")).isEqualTo("succeeded");
    }

    @Test
    void competingClaimersTakeEveryRowExactlyOnce() throws Exception {
        for (int i = 0; i < 200; i++) {
            enqueue(String.format("j-%03d", i), i % 2 == 0 ? "org-a" : "org-b");
        }
        List<String> taken = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> runs = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                BatchClaimer<Lease> claimer = claimer(8); // two processes, two threads each
                for (int t = 0; t < 2; t++) {
                    runs.add(pool.submit(() -> {
                        for (Optional<Lease> next = claimer.next(); next.isPresent(); next = claimer.next()) {
                            taken.add(next.get().id());
                            assertThat(complete(next.get())).isTrue();
                        }
                    }));
                }
            }
            for (Future<?> run : runs) {
                run.get();
            }
        }

        assertThat(taken).hasSize(200).doesNotHaveDuplicates();
    }

    @Test
    void stopHandsTheBufferedRowsBackWithTheirAttempt() {
        for (int i = 0; i < 4; i++) {
            enqueue("a-" + i, "org-a");
        }
        BatchClaimer<Lease> claimer = claimer(4);
        Lease running = claimer.next().orElseThrow();
        assertThat(claimer.buffered()).isEqualTo(3);

        assertThat(claimer.stop()).extracting(Lease::id).containsExactly("a-1", "a-2", "a-3");

        assertThat(claimer.next()).isEmpty();
        assertThat(status(running.id())).isEqualTo("running");
        assertThat(jdbc.sql("SELECT count(*) FROM fine_tuning_jobs WHERE status = 'queued' AND attempts = 0"
                                + " AND lease_until IS NULL AND locked_by IS NULL")
                        .query(Integer.class)
                        .single())
                .isEqualTo(3);
        assertThat(claimBatch(JOBS, 1)).extracting(Lease::id).containsExactly("a-1");
    }

    /**
     * The plan PostgreSQL keeps for the prepared batch claim (its generic plan, which pgjdbc's server-side prepared
     * statements end up on) reaches the chosen rows through the primary key: joined as a relation they were hash-joined
     * with a sequential scan of the whole table, every claim.
     */
    @Test
    void theGenericPlanOfABatchClaimReachesTheChosenRowsByPrimaryKey() throws Exception {
        enqueueQueueOf(20_000);
        String plan = explainGenericBatchClaim("COSTS OFF");

        assertThat(plan)
                .contains("Index Scan using fine_tuning_jobs_pkey on fine_tuning_jobs w")
                .doesNotContain("Seq Scan on fine_tuning_jobs w");
    }

    /**
     * The batch claim is never JIT-compiled (V20): its generic plan on a queue of 50,000 jobs is estimated above
     * the server's default {@code jit_above_cost}, and with JIT on PostgreSQL compiled it with LLVM on every execution
     * (hundreds of milliseconds of CPU for a statement that runs in about one; docs/benchmarks.md, run 12). Each
     * connection of a migrated database starts with JIT off, so the plan that is executed has none.
     */
    @Test
    void aBatchClaimIsNotJitCompiled() throws Exception {
        enqueueQueueOf(50_000);
        double jitAboveCost = jdbc.sql("SELECT current_setting('jit_above_cost')::float8")
                .query(Double.class)
                .single();
        String costed = explainGenericBatchClaim("FORMAT JSON");
        // The first "Total Cost" of the JSON plan is the top node's: the statement's whole estimate.
        double total = Double.parseDouble(costed.replaceAll("(?s).*?\"Total Cost\": ([0-9.]+).*", "$1"));

        assertThat(total)
                .as("the generic plan's estimate, against jit_above_cost")
                .isGreaterThan(jitAboveCost);
        assertThat(jdbc.sql("SHOW jit").query(String.class).single()).isEqualTo("off");
        assertThat(explainGenericBatchClaim("ANALYZE")).doesNotContain("JIT:");
    }

    /**
     * {@code n} queued jobs of two organisations (the benchmark's size and more: on a table of a few pages a sequential
     * scan is the right plan, and no estimate reaches the JIT's threshold).
     */
    private void enqueueQueueOf(int n) {
        jdbc.sql("""
                        INSERT INTO fine_tuning_jobs (id, organization_id, model, training_file, status,
                                                      hyperparameters, seed, queued_at)
                        SELECT 'q-' || g, CASE WHEN g % 2 = 0 THEN 'org-a' ELSE 'org-b' END, 'm', 'f', 'queued',
                               '{}', 1, clock_timestamp()
                          FROM generate_series(1, :n) g""").param("n", n).update();
        jdbc.sql("ANALYZE fine_tuning_jobs").update();
    }

    /**
     * {@code EXPLAIN (options)} of the batch claim's generic plan (the plan pgjdbc's server-side prepared statements
     * end up on), on a new connection of the migrated database, in a transaction rolled back after it (ANALYZE runs
     * the claim).
     */
    private String explainGenericBatchClaim(String options) throws Exception {
        // The named parameters in order of first use, as $1, $2, ... of a PREPARE (a :: cast is not a parameter).
        String sql = LeasedWorkQueue.claimBatchSql(JOBS, ClaimFilter.NONE);
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(?<!:):([a-z_]+)").matcher(sql);
        List<String> names = new ArrayList<>();
        StringBuilder prepared = new StringBuilder();
        while (m.find()) {
            if (!names.contains(m.group(1))) {
                names.add(m.group(1));
            }
            m.appendReplacement(prepared, "\\$" + (names.indexOf(m.group(1)) + 1));
        }
        m.appendTail(prepared);
        Map<String, String> values = Map.of("n", "16", "claimed", "'running'", "worker", "'p1'", "lease", "30");
        String args = String.join(", ", names.stream().map(values::get).toList());
        List<String> plan = new ArrayList<>();
        try (java.sql.Connection c = database.dataSource().getConnection();
                java.sql.Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL plan_cache_mode = force_generic_plan");
            s.execute("PREPARE batch_claim AS " + prepared);
            try (java.sql.ResultSet rs =
                    s.executeQuery("EXPLAIN (" + options + ") EXECUTE batch_claim(" + args + ")")) {
                while (rs.next()) {
                    plan.add(rs.getString(1));
                }
            }
            c.rollback();
        }
        return String.join("\n", plan);
    }
}
