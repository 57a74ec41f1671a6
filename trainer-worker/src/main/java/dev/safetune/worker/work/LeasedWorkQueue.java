package dev.safetune.worker.work;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The leased-work protocol every kind of work shares, over the kind's own table: claim with
 * {@code FOR UPDATE SKIP LOCKED}, renew the lease, fence every write by the claim's attempt, re-queue or give up
 * expired leases by the kind's policy, and announce queued work with NOTIFY.
 *
 * <p><b>Fencing.</b> A claim increments {@code attempts}; every write a worker makes is guarded by {@link #FENCE}
 * ({@code id, locked_by, attempts} of its {@link Lease}), so a worker that lost its lease (presumed dead and re-queued,
 * or claimed again by another worker) can no longer change the row or anything written through it.
 *
 * <p><b>Fair claims.</b> For a kind with a tenant column, a claim first orders the organisations that have claimable
 * rows by (leased rows now, then the time of their latest claim, oldest first: least recently served; then the age of
 * their oldest claimable row) and takes the oldest claimable row of the first organisation that has one this worker
 * may take. One organisation's thousand
 * queued jobs therefore wait behind another's one instead of in front of it. The organisations are found with a loose
 * index scan (one index probe per organisation, not a scan of the queue), so the cost of a claim grows with the
 * number of organisations waiting, not with the queue's length.
 */
public class LeasedWorkQueue {
    /** The guard every write of a lease holder carries; its parameters come from {@link #fenceParams}. */
    public static final String FENCE = "id = :lease_id AND locked_by = :lease_worker AND attempts = :lease_attempt";

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;

    public LeasedWorkQueue(JdbcClient jdbc, TransactionTemplate tx) {
        this.jdbc = jdbc;
        this.tx = tx;
    }

    /** Maps a claimed row (the kind's {@code returning} columns) to what its handler runs. */
    @FunctionalInterface
    public interface ClaimMapper<C> {
        C map(Lease lease, ResultSet row) throws SQLException;
    }

    /**
     * Claims the next row of {@code kind} this worker may take, fairly across organisations, under a new lease.
     *
     * @return empty when nothing claimable fits {@code filter}
     */
    public <C> Optional<C> claim(WorkKind kind, String workerId, ClaimFilter filter, ClaimMapper<C> mapper) {
        if (kind.tenantColumn().isEmpty()) {
            return claimFrom(kind, Turn.ANY, null, workerId, filter, mapper);
        }
        // One statement serves the organisation whose turn it is; only when none of its rows is free for this
        // worker (all locked by other claims, or filtered out) are the others tried in turn.
        Optional<C> claimed = claimFrom(kind, Turn.FIRST, null, workerId, filter, mapper);
        if (claimed.isPresent()) {
            return claimed;
        }
        for (String tenant : tenantsInTurn(kind)) {
            claimed = claimFrom(kind, Turn.NAMED, tenant, workerId, filter, mapper);
            if (claimed.isPresent()) {
                return claimed;
            }
        }
        return Optional.empty();
    }

    /**
     * Claims up to {@code n} rows of {@code kind} in one statement, for a process whose threads share one claimer
     * ({@link BatchClaimer}); each row gets its own lease (its own attempt, the fencing token) under {@code workerId}.
     *
     * <p><b>Fair within the batch.</b> For a kind with a tenant column, the organisations with claimable rows are
     * found by the same loose index scan as {@link #claim}; each gives at most {@code k = ceil(n / organisations)} of
     * its oldest rows ({@code FOR UPDATE SKIP LOCKED}), and the batch takes them round-robin: ordered by the row's
     * rank within its organisation ({@code row_number() OVER (PARTITION BY org ORDER BY queued)}), then by the
     * organisation's leased rows now (fewest first), then by age. So with A's 50 rows and B's 1 queued, a batch of
     * two holds one of each, and a batch of one holds the older of the two heads.
     *
     * @return the claimed rows, in the order they should run (possibly fewer than {@code n}, or none)
     */
    public <C> List<C> claimBatch(WorkKind kind, String workerId, int n, ClaimFilter filter, ClaimMapper<C> mapper) {
        if (n < 1) {
            throw new IllegalArgumentException("a batch claims at least 1 row, got " + n);
        }
        Map<String, Object> params = claimParams(kind, workerId, filter);
        params.put("n", n);
        // RETURNING keeps no order: sort by the position the fair order gave each row.
        List<Map.Entry<Long, C>> rows = jdbc.sql(claimBatchSql(kind, filter))
                .params(params)
                .query((rs, i) -> Map.entry(rs.getLong("lease_pos"), mapper.map(leaseOf(rs, workerId), rs)))
                .list();
        return rows.stream()
                .sorted(Map.Entry.comparingByKey())
                .map(Map.Entry::getValue)
                .toList();
    }

    /** The statement of {@link #claimBatch}, with the named parameters of {@link #claimParams} and {@code :n}. */
    static String claimBatchSql(WorkKind kind, ClaimFilter filter) {
        String t = kind.table();
        String org = kind.tenantColumn().orElse(null);
        String order = kind.orderColumn();
        String chosen;
        if (org == null) {
            chosen = "WITH locked AS (SELECT id, " + order + " AS queued FROM " + t + " w WHERE "
                    + kind.claimableGuard() + " AND (" + filter.sql() + ") ORDER BY " + order
                    + ", id LIMIT :n FOR UPDATE SKIP LOCKED), chosen AS (SELECT id, row_number() OVER (ORDER BY"
                    + " queued, id) AS pos FROM locked)";
        } else {
            // k per organisation bounds the rows locked per statement to about n, however many organisations wait.
            chosen = "WITH RECURSIVE " + tenantsCte(kind)
                    + ", turn AS (SELECT tenant, " + leasedNow() + " AS leased"
                    + " FROM tenants WHERE tenant IS NOT NULL)"
                    + ", heads AS (SELECT c.id, c.queued, turn.leased, row_number() OVER (PARTITION BY turn.tenant"
                    + " ORDER BY c.queued, c.id) AS rank FROM turn CROSS JOIN LATERAL (SELECT id, " + order
                    + " AS queued FROM " + t + " w WHERE " + kind.claimableGuard() + " AND " + org
                    + " = turn.tenant AND (" + filter.sql() + ") ORDER BY " + order + ", id"
                    + " LIMIT (SELECT ceil(:n::numeric / count(*)) FROM turn) FOR UPDATE SKIP LOCKED) c)"
                    + ", chosen AS (SELECT id, row_number() OVER (ORDER BY rank, leased, queued, id) AS pos"
                    + " FROM heads ORDER BY rank, leased, queued, id LIMIT :n)";
        }
        // The chosen ids as one array, matched by the primary key's = ANY: joined as a relation instead, the generic
        // plan PostgreSQL settles on for this prepared statement hash-joins them with a sequential scan of the whole
        // table, every claim (the batch claims of the benchmark's runs 3 and 4 spent most of their time there).
        return chosen + ", batch AS (SELECT array_agg(id ORDER BY pos) AS ids FROM chosen)"
                + claimUpdate(
                        kind, "batch", "w.id = ANY (batch.ids)", "array_position(batch.ids, w.id) AS lease_pos, ");
    }

    /** What {@link #completeAndClaim} did: whether the finished row was completed, and the next claim. */
    public record Cycle<C>(boolean completed, Optional<C> next) {}

    /**
     * Ends a leased row (a fenced transition, as {@link #transition}) and claims the next in the same transaction: one
     * commit per cycle instead of two, for short work whose handler has nothing else to write. The next claim is
     * made whether or not the completion found its lease still current.
     */
    public <C> Cycle<C> completeAndClaim(
            WorkKind kind,
            Lease done,
            String fromGuard,
            String to,
            String set,
            Map<String, Object> params,
            ClaimFilter filter,
            ClaimMapper<C> mapper) {
        return tx.execute(status -> {
            boolean completed = transition(kind, done, fromGuard, to, false, set, params);
            return new Cycle<>(completed, claim(kind, done.workerId(), filter, mapper));
        });
    }

    /** A leased row whose work has run, and the fenced transition that ends it. */
    public record Ended(Lease lease, ShortWorkHandler.Ending ending) {}

    /** What {@link #completeAndClaimBatch} did: the leases found lost (their endings not written), and the next rows. */
    public record BatchCycle<C>(List<Lease> lost, List<C> next) {}

    /**
     * Ends leased rows (each by its own fenced transition) and claims up to {@code n} rows for {@code workerId}, all
     * in one transaction: one commit for a batch of endings and the next batch of claims. With {@code n == 1} the
     * claim is {@link #claim} (the organisation in turn), otherwise {@link #claimBatch} (fair within the batch); with
     * {@code n == 0} nothing is claimed.
     */
    public <C> BatchCycle<C> completeAndClaimBatch(
            WorkKind kind, List<Ended> done, String workerId, int n, ClaimFilter filter, ClaimMapper<C> mapper) {
        return tx.execute(status -> {
            List<Lease> lost = new java.util.ArrayList<>();
            // Rows of one worker ending the same way are ended by one statement (the usual case: a batch of short
            // work that all succeeded); each row is still fenced by its own attempt.
            Map<List<Object>, List<Lease>> groups = new java.util.LinkedHashMap<>();
            for (Ended e : done) {
                groups.computeIfAbsent(List.of(e.ending(), e.lease().workerId()), g -> new java.util.ArrayList<>())
                        .add(e.lease());
            }
            groups.forEach((g, leases) -> lost.addAll(endAll(kind, (ShortWorkHandler.Ending) g.get(0), leases)));
            return new BatchCycle<>(lost, n == 0 ? List.of() : claimUpTo(kind, workerId, n, filter, mapper));
        });
    }

    /**
     * Ends rows of one worker by the same fenced transition in one statement: matched by the primary key's
     * {@code = ANY}, each row's attempt checked against its own lease.
     *
     * @return the leases that were lost (nothing written for them)
     */
    private List<Lease> endAll(WorkKind kind, ShortWorkHandler.Ending end, List<Lease> leases) {
        if (leases.size() == 1) {
            Lease lease = leases.get(0);
            return transition(kind, lease, end.fromGuard(), end.to(), false, end.set(), end.params())
                    ? List.of()
                    : List.of(lease);
        }
        String[] ids = leases.stream().map(Lease::id).toArray(String[]::new);
        Integer[] attempts = leases.stream().map(Lease::attempt).toArray(Integer[]::new);
        List<String> ended = jdbc.sql("UPDATE " + kind.table() + " SET status = :to_status, lease_until = NULL"
                        + end.set() + " WHERE id = ANY (:lease_ids::text[]) AND locked_by = :lease_worker"
                        + " AND attempts = (:lease_attempts::int[])[array_position(:lease_ids::text[], id)] AND "
                        + end.fromGuard() + " RETURNING id")
                .param("to_status", end.to())
                .params(end.params())
                .param("lease_ids", ids)
                .param("lease_attempts", attempts)
                .param("lease_worker", leases.get(0).workerId())
                .query(String.class)
                .list();
        return leases.stream().filter(l -> !ended.contains(l.id())).toList();
    }

    /** Up to {@code n} rows: {@link #claim} for one, {@link #claimBatch} for more. */
    public <C> List<C> claimUpTo(WorkKind kind, String workerId, int n, ClaimFilter filter, ClaimMapper<C> mapper) {
        return n == 1
                ? claim(kind, workerId, filter, mapper).stream().toList()
                : claimBatch(kind, workerId, n, filter, mapper);
    }

    /** Which organisation a claim statement takes from. */
    private enum Turn {
        /** Kinds without tenants: the whole queue. */
        ANY,
        /** The organisation first in turn, chosen inside the claim statement. */
        FIRST,
        /** The organisation named by {@code :tenant}. */
        NAMED
    }

    /** The organisations with claimable rows, the one to serve first first. */
    List<String> tenantsInTurn(WorkKind kind) {
        return jdbc.sql("WITH RECURSIVE " + tenantsCte(kind)
                        + " SELECT tenant FROM tenants WHERE tenant IS NOT NULL ORDER BY " + turnOrder(kind))
                .query(String.class)
                .list();
    }

    /**
     * {@code tenants}: the organisations with claimable rows, by a loose index scan (one probe of the claimable index
     * per organisation); and {@code leased}: the rows leased now per organisation, counted once from the leased rows
     * (the kind's index on {@code lease_until}, few rows: the work in progress), not probed per waiting organisation.
     */
    private static String tenantsCte(WorkKind kind) {
        String t = kind.table();
        String org = kind.tenantColumn().orElseThrow();
        String claimable = kind.claimableGuard();
        // Each probe is ordered by the claimable index's whole key (tenant, order column, id): only that index gives
        // the order without a sort. Ordered by the tenant alone, PostgreSQL may probe another index on the tenant
        // (jobs_org_created) and filter it by status, walking every row of the organisation that is no longer
        // claimable: from mid-run on (after an autoanalyze) that was 20,000 index entries per claim in run 9.
        String key = org + ", " + kind.orderColumn() + ", id";
        return "tenants (tenant) AS ((SELECT " + org + " FROM " + t + " WHERE " + claimable + " ORDER BY " + key
                + " LIMIT 1) UNION ALL SELECT (SELECT " + org + " FROM " + t + " WHERE " + claimable + " AND " + org
                + " > tenants.tenant ORDER BY " + key + " LIMIT 1) FROM tenants WHERE tenants.tenant IS NOT NULL)"
                // MATERIALIZED: computed once per statement, not inlined into the per-organisation look-up below.
                + ", leased (tenant, n) AS MATERIALIZED (SELECT " + org + ", count(*) FROM " + t
                + " WHERE lease_until IS NOT NULL AND " + kind.leasedGuard() + " GROUP BY " + org + ")";
    }

    /**
     * Whose turn it is: fewest leased rows now, then least recently served (the latest claim oldest, never served
     * first), then the oldest claimable row.
     */
    private static String turnOrder(WorkKind kind) {
        String t = kind.table();
        String org = kind.tenantColumn().orElseThrow();
        return leasedNow() + ", (SELECT max(claimed_at) FROM " + t + " WHERE " + org
                + " = tenants.tenant) NULLS FIRST, (SELECT min(" + kind.orderColumn() + ") FROM " + t + " WHERE "
                + org + " = tenants.tenant AND " + kind.claimableGuard() + "), tenant";
    }

    /** The rows of the organisation {@code tenants.tenant} leased now (from {@code leased}): both fair orders' key. */
    private static String leasedNow() {
        return "coalesce((SELECT n FROM leased WHERE leased.tenant = tenants.tenant), 0)";
    }

    private <C> Optional<C> claimFrom(
            WorkKind kind, Turn turn, String tenant, String workerId, ClaimFilter filter, ClaimMapper<C> mapper) {
        String org = kind.tenantColumn().orElse(null);
        if (org == null) {
            turn = Turn.ANY;
        }
        String with = switch (turn) {
            case ANY, NAMED -> "WITH ";
            case FIRST ->
                "WITH RECURSIVE " + tenantsCte(kind) + ", turn AS (SELECT tenant FROM tenants WHERE tenant IS"
                        + " NOT NULL ORDER BY " + turnOrder(kind) + " LIMIT 1), ";
        };
        String whose = switch (turn) {
            case ANY -> "";
            case FIRST -> " AND " + org + " = (SELECT tenant FROM turn)";
            case NAMED -> " AND " + org + " = :tenant";
        };
        String sql = with + "next AS (SELECT id FROM " + kind.table() + " w WHERE " + kind.claimableGuard() + whose
                + " AND (" + filter.sql() + ")"
                + " ORDER BY " + (org == null ? "" : org + ", ") + kind.orderColumn() + ", id"
                + " FOR UPDATE SKIP LOCKED LIMIT 1)"
                + claimUpdate(kind, "next", "w.id = next.id", "");
        Map<String, Object> params = claimParams(kind, workerId, filter);
        if (turn == Turn.NAMED) {
            params.put("tenant", tenant);
        }
        return jdbc.sql(sql)
                .params(params)
                .query((rs, n) -> mapper.map(leaseOf(rs, workerId), rs))
                .optional();
    }

    /**
     * The UPDATE both claim statements end with: puts each row the CTE {@code chosen} names ({@code match}) under a new
     * lease of {@code :worker}, counting an attempt, and returns its lease (read by {@link #leaseOf}) with the kind's
     * own columns.
     *
     * @param extraReturning columns returned before the lease's (empty, or ending with {@code ", "})
     */
    private static String claimUpdate(WorkKind kind, String chosen, String match, String extraReturning) {
        String org = kind.tenantColumn().orElse(null);
        return " UPDATE " + kind.table() + " w SET status = :claimed, locked_by = :worker,"
                + " lease_until = now() + make_interval(secs => :lease), attempts = w.attempts + 1,"
                + " claimed_at = now()" + kind.claimSet()
                + " FROM " + chosen + " WHERE " + match
                + " RETURNING " + extraReturning + "w.id AS lease_id, w.attempts AS lease_attempt, "
                + (org == null ? "NULL" : "w." + org) + " AS lease_tenant"
                + (kind.returning().isEmpty() ? "" : ", " + kind.returning());
    }

    /** The parameters of {@link #claimUpdate} and the filter's; mutable, for the statement's own. */
    private static Map<String, Object> claimParams(WorkKind kind, String workerId, ClaimFilter filter) {
        Map<String, Object> params = new HashMap<>(filter.params());
        params.put("claimed", kind.claimedStatus());
        params.put("worker", workerId);
        params.put("lease", seconds(kind.policy().leaseDuration()));
        return params;
    }

    /** The lease a row returned by {@link #claimUpdate} is now under. */
    private static Lease leaseOf(ResultSet rs, String workerId) throws SQLException {
        return new Lease(rs.getString("lease_id"), rs.getString("lease_tenant"), workerId, rs.getInt("lease_attempt"));
    }

    /**
     * Extends the lease, with the kind's own assignments ({@code set}, may be empty) in the same statement.
     *
     * @return false when the lease is no longer this worker's, or the row left every leased status
     */
    public boolean renew(WorkKind kind, Lease lease, String set, Map<String, Object> params) {
        return jdbc.sql("UPDATE " + kind.table() + " SET lease_until = now() + make_interval(secs => :lease)" + set
                                + " WHERE " + FENCE + " AND " + kind.leasedGuard())
                        .param("lease", seconds(kind.policy().leaseDuration()))
                        .params(params)
                        .params(fenceParams(lease))
                        .update()
                == 1;
    }

    /** The row's status if {@code lease} is still its latest claim (whatever the status is now). */
    public Optional<String> statusIfLatest(WorkKind kind, Lease lease) {
        return jdbc.sql("SELECT status FROM " + kind.table() + " WHERE " + FENCE)
                .params(fenceParams(lease))
                .query(String.class)
                .optional();
    }

    /**
     * Moves the row from one of the statuses {@code fromGuard} names to {@code to}, if the lease is still current.
     * Leaving the leased statuses ends the lease ({@code lease_until} cleared); moving between two of them keeps it.
     *
     * @param set extra assignments (may be empty; starts with {@code ,} otherwise)
     * @return false when the lease was lost or the row is in none of the from-statuses (nothing is written)
     */
    public boolean transition(
            WorkKind kind,
            Lease lease,
            String fromGuard,
            String to,
            boolean staysLeased,
            String set,
            Map<String, Object> params) {
        return jdbc.sql("UPDATE " + kind.table() + " SET status = :to_status"
                                + (staysLeased ? "" : ", lease_until = NULL") + set + " WHERE " + FENCE + " AND "
                                + fromGuard)
                        .param("to_status", to)
                        .params(params)
                        .params(fenceParams(lease))
                        .update()
                == 1;
    }

    /**
     * Gives a leased row back to the queue at once (its worker is shutting down), so another worker need not wait for
     * the lease to run out, and announces it.
     */
    public boolean release(WorkKind kind, Lease lease, String set) {
        return Boolean.TRUE.equals(tx.execute(status -> {
            boolean released = transition(kind, lease, kind.leasedGuard(), kind.requeuedStatus(), false, set, Map.of());
            if (released) {
                notifyQueued(kind, lease.id());
            }
            return released;
        }));
    }

    /**
     * Hands rows whose lease ran out, in any leased status, back to the queue (their worker is presumed dead), or
     * gives them up once they used up their attempts; tells {@code handler} in the same transaction, and announces the
     * re-queued rows. Any worker may call this; the row locks make concurrent calls safe.
     *
     * @return the rows re-queued
     */
    public List<Expired> expire(WorkKind kind, DeadWorkHandler handler) {
        String org = kind.tenantColumn().orElse("NULL");
        String expired = " WHERE " + kind.leasedGuard() + " AND lease_until < now()";
        String returning = " RETURNING id, " + org + " AS tenant, attempts";
        return tx.execute(status -> {
            List<Expired> givenUp = jdbc.sql("UPDATE " + kind.table() + " SET status = :to_status,"
                            + " lease_until = NULL" + kind.giveUpSet() + expired + " AND attempts >= "
                            + kind.policy().maxAttemptsSql() + returning)
                    .param("to_status", kind.givenUpStatus())
                    .query(LeasedWorkQueue::expired)
                    .list();
            if (!givenUp.isEmpty()) {
                handler.onGivenUp(givenUp);
            }
            List<Expired> requeued = jdbc.sql("UPDATE " + kind.table() + " SET status = :to_status,"
                            + " lease_until = NULL" + kind.requeueSet() + expired + returning)
                    .param("to_status", kind.requeuedStatus())
                    .query(LeasedWorkQueue::expired)
                    .list();
            if (!requeued.isEmpty()) {
                handler.onRequeued(requeued);
                requeued.forEach(r -> notifyQueued(kind, r.id()));
            }
            return requeued;
        });
    }

    /** Wakes idle workers LISTENing on the kind's channel; delivered when the surrounding transaction commits. */
    public void notifyQueued(WorkKind kind, String id) {
        jdbc.sql("SELECT pg_notify(:channel, :id)")
                .param("channel", kind.channel())
                .param("id", id)
                .query()
                .singleValue();
    }

    /** The parameters of {@link #FENCE}. */
    public static Map<String, Object> fenceParams(Lease lease) {
        return Map.of("lease_id", lease.id(), "lease_worker", lease.workerId(), "lease_attempt", lease.attempt());
    }

    private static Expired expired(ResultSet rs, int n) throws SQLException {
        return new Expired(rs.getString("id"), rs.getString("tenant"), rs.getInt("attempts"));
    }

    static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
