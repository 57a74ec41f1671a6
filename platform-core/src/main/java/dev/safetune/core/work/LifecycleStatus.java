package dev.safetune.core.work;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A status of a kind of leased work whose enum holds the transition table (model imports, persona screens). The queue
 * writes a status change as a guarded update, {@code WHERE status IN (...)}: {@link #sqlGuard} derives that list from
 * the table, so the SQL can never allow a change the table forbids. The enum supplies its table row
 * ({@link #successors}) and its noun; the checks and lookups derived from them are written here once.
 *
 * @param <S> the status enum itself
 */
public interface LifecycleStatus<S extends Enum<S> & LifecycleStatus<S>> {

    /** The name stored in the {@code status} column and shown on the wire. */
    String wireName();

    /** What the work is called in error messages ("a model import cannot go from …"). */
    String noun();

    /** The statuses the transition table allows after this one; empty for an end state. */
    Set<S> successors();

    default boolean canTransitionTo(S next) {
        return successors().contains(next);
    }

    /** @throws IllegalStateException when the table does not connect this status to {@code next} (a caller's bug) */
    default void requireTransition(S next) {
        if (!canTransitionTo(next)) {
            throw new IllegalStateException(noun() + " cannot go from " + this + " to " + next);
        }
    }

    default boolean isTerminal() {
        return successors().isEmpty();
    }

    /** The status stored as {@code wireName}. */
    static <S extends Enum<S> & LifecycleStatus<S>> S fromWire(Class<S> type, String wireName) {
        return Arrays.stream(type.getEnumConstants())
                .filter(s -> s.wireName().equals(wireName))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown "
                        + type.getEnumConstants()[0].noun().replaceFirst("^an? ", "") + " status: " + wireName));
    }

    /** {@code status IN (...)} of every status that has not ended. */
    static <S extends Enum<S> & LifecycleStatus<S>> String pendingSqlGuard(Class<S> type) {
        return inList(Arrays.stream(type.getEnumConstants()).filter(s -> !s.isTerminal()));
    }

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
        return inList(Arrays.stream(from));
    }

    private static String inList(java.util.stream.Stream<? extends LifecycleStatus<?>> statuses) {
        return statuses.map(s -> "'" + s.wireName() + "'").collect(Collectors.joining(", ", "status IN (", ")"));
    }
}
