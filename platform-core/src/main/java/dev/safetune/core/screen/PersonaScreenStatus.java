package dev.safetune.core.screen;

import dev.safetune.core.work.LifecycleStatus;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life cycle of the screen's persona part for one (file, base model) ({@code persona_screens.status}): queued when
 * a job is created on the file for the base, run by a worker, then succeeded (risk stored, the policy's
 * {@code persona_risk} rule applied to the file), failed, or skipped (the base has no persona contrast set, so there
 * is no vector to project on). {@link #TRANSITIONS} is the only place that decides which status may follow which.
 */
public enum PersonaScreenStatus implements LifecycleStatus<PersonaScreenStatus> {
    QUEUED("queued"),
    RUNNING("running"),
    SUCCEEDED("succeeded"),
    FAILED("failed"),
    SKIPPED("skipped");

    /** Idle workers LISTEN here for queued persona screens. */
    public static final String CHANNEL = "safetune_persona_screens";

    private static final Map<PersonaScreenStatus, Set<PersonaScreenStatus>> TRANSITIONS = Map.of(
            QUEUED, EnumSet.of(RUNNING),
            // running -> queued: an expired lease or a worker shutting down hands it back.
            RUNNING, EnumSet.of(QUEUED, SUCCEEDED, FAILED, SKIPPED),
            SUCCEEDED, EnumSet.noneOf(PersonaScreenStatus.class),
            FAILED, EnumSet.noneOf(PersonaScreenStatus.class),
            SKIPPED, EnumSet.noneOf(PersonaScreenStatus.class));

    private final String wireName;

    PersonaScreenStatus(String wireName) {
        this.wireName = wireName;
    }

    @Override
    public String wireName() {
        return wireName;
    }

    public static PersonaScreenStatus fromWire(String wireName) {
        return LifecycleStatus.fromWire(PersonaScreenStatus.class, wireName);
    }

    @Override
    public String noun() {
        return "a persona screen";
    }

    @Override
    public Set<PersonaScreenStatus> successors() {
        return TRANSITIONS.get(this);
    }

    /** {@code status IN (...)} of the statuses that have not ended: a job on the (file, base) waits while one is. */
    public static String pendingSqlGuard() {
        return LifecycleStatus.pendingSqlGuard(PersonaScreenStatus.class);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
