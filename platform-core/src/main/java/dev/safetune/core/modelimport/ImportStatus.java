package dev.safetune.core.modelimport;

import dev.safetune.core.work.LifecycleStatus;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The life cycle of a base-model import requested over the admin API ({@code model_imports.status}). The table in
 * {@link #TRANSITIONS} is the only place that decides which status may follow which; the worker's import queue checks
 * each of its updates against it.
 */
public enum ImportStatus implements LifecycleStatus<ImportStatus> {
    QUEUED("queued"),
    RUNNING("running"),
    SUCCEEDED("succeeded"),
    FAILED("failed");

    /** The channel a queued import is announced on (NOTIFY), so an idle worker wakes without waiting to poll. */
    public static final String CHANNEL = "safetune_model_imports";

    private static final Map<ImportStatus, Set<ImportStatus>> TRANSITIONS = Map.of(
            QUEUED, EnumSet.of(RUNNING),
            // running -> queued: an expired lease (the worker died) or a worker shutting down hands the import back;
            // running -> failed also when the lease expired too often (the import keeps killing its worker).
            RUNNING, EnumSet.of(QUEUED, SUCCEEDED, FAILED),
            SUCCEEDED, EnumSet.noneOf(ImportStatus.class),
            FAILED, EnumSet.noneOf(ImportStatus.class));

    private final String wireName;

    ImportStatus(String wireName) {
        this.wireName = wireName;
    }

    /** The name stored in the database and shown on the wire. */
    @Override
    public String wireName() {
        return wireName;
    }

    public static ImportStatus fromWire(String wireName) {
        return LifecycleStatus.fromWire(ImportStatus.class, wireName);
    }

    @Override
    public String noun() {
        return "a model import";
    }

    @Override
    public Set<ImportStatus> successors() {
        return TRANSITIONS.get(this);
    }

    @Override
    public String toString() {
        return wireName;
    }
}
