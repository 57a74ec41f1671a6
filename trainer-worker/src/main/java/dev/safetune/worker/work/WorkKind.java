package dev.safetune.worker.work;

import dev.safetune.core.work.LifecycleStatus;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One kind of leased work as the queue sees it: which table holds it and how its statuses and columns read. Every
 * kind's table has {@code id, status, locked_by, lease_until, attempts, claimed_at}; the statuses come from the kind's
 * own transition table, as SQL guards derived from it, so the queue never spells a status itself.
 *
 * <p>The SQL fragments are the kind's own bookkeeping on each protocol step, over the table aliased {@code w} (a job
 * bumps its {@code version}, an import writes a {@code message}); they are code, never input.
 *
 * @param name for logs and meters ({@code job}, {@code model_import})
 * @param tenantColumn the organisation owning a row; empty: one queue, claimed oldest first
 * @param orderColumn when a row entered the queue: oldest first within an organisation
 * @param claimableGuard {@code status IN (...)} of the rows a claim may take
 * @param claimedStatus the status a claim enters
 * @param leasedGuard {@code status IN (...)} of the statuses held under a lease: renewed by heartbeats and re-queued
 *     on expiry, whichever of them a row is in
 * @param requeuedStatus the status an expired or released lease goes back to
 * @param givenUpStatus the status an item enters when its lease expired on its last attempt
 * @param claimSet extra assignments of a claim (may be empty; starts with {@code ,} otherwise)
 * @param requeueSet extra assignments of an expiry re-queue
 * @param giveUpSet extra assignments of a give-up
 * @param returning the columns a claim returns besides {@code id, attempts} and the tenant
 * @param channel the NOTIFY channel idle workers LISTEN on
 */
public record WorkKind(
        String name,
        String table,
        Optional<String> tenantColumn,
        String orderColumn,
        String claimableGuard,
        String claimedStatus,
        String leasedGuard,
        String requeuedStatus,
        String givenUpStatus,
        String claimSet,
        String requeueSet,
        String giveUpSet,
        String returning,
        String channel,
        WorkPolicy policy) {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");

    /**
     * A kind whose status enum holds its transition table ({@link LifecycleStatus}): claimed from {@code queued} into
     * {@code running}, re-queued from {@code running}, given up as {@code failed}. The guards come from the table, so
     * every such kind states its statuses once instead of writing the same five arguments again.
     */
    public static <S extends Enum<S> & LifecycleStatus<S>> WorkKind ofLifecycle(
            String name,
            String table,
            Optional<String> tenantColumn,
            String orderColumn,
            S queued,
            S running,
            S failed,
            String claimSet,
            String requeueSet,
            String giveUpSet,
            String returning,
            String channel,
            WorkPolicy policy) {
        return new WorkKind(
                name,
                table,
                tenantColumn,
                orderColumn,
                LifecycleStatus.sqlGuard(running, queued),
                running.wireName(),
                LifecycleStatus.sqlGuard(queued, running),
                queued.wireName(),
                failed.wireName(),
                claimSet,
                requeueSet,
                giveUpSet,
                returning,
                channel,
                policy);
    }

    public WorkKind {
        for (String identifier : new String[] {table, orderColumn, channel, tenantColumn.orElse("x")}) {
            // Table, column and channel names are identifiers in the SQL (LISTEN takes no bind parameter).
            if (!IDENTIFIER.matcher(identifier).matches()) {
                throw new IllegalArgumentException("not a plain identifier: " + identifier);
            }
        }
    }

    /** The same kind under another policy (settings read at start-up). */
    public WorkKind withPolicy(WorkPolicy newPolicy) {
        return new WorkKind(
                name,
                table,
                tenantColumn,
                orderColumn,
                claimableGuard,
                claimedStatus,
                leasedGuard,
                requeuedStatus,
                givenUpStatus,
                claimSet,
                requeueSet,
                giveUpSet,
                returning,
                channel,
                newPolicy);
    }
}
