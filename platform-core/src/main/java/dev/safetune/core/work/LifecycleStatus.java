package dev.safetune.core.work;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A status of a kind of leased work whose enum holds the transition table (model imports, persona screens). The queue
 * writes a status change as a guarded update, {@code WHERE status IN (...)}: {@link #sqlGuard} derives that list from
 * the table, so the SQL can never allow a change the table forbids.
 *
 * @param <S> the status enum itself
 */
public interface LifecycleStatus<S extends Enum<S> & LifecycleStatus<S>> {

    /** The name stored in the {@code status} column and shown on the wire. */
    String wireName();

    /** @throws IllegalStateException when the table does not connect this status to {@code next} */
    void requireTransition(S next);

    /**
     * {@code status IN ('a', 'b')} of {@code from}, each checked against the transition table to {@code to}.
     *
     * @throws IllegalStateException when one of {@code from} cannot go to {@code to} (a bug in the caller, found when
     *     the kind is built, before any SQL runs)
     */
    @SafeVarargs
    static <S extends Enum<S> & LifecycleStatus<S>> String sqlGuard(S to, S... from) {
        if (from.length == 0) {
            throw new IllegalArgumentException("a guard needs at least one status to come from");
        }
        for (S source : from) {
            source.requireTransition(to);
        }
        return Arrays.stream(from)
                .map(s -> "'" + s.wireName() + "'")
                .collect(Collectors.joining(", ", "status IN (", ")"));
    }
}
