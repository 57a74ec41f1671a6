package dev.safetune.worker.audit;

/** The audit stopped between two rounds because its lease is no longer held as before (or the worker stops). */
public final class AuditStoppedException extends RuntimeException {
    private final int roundsDone;

    public AuditStoppedException(int roundsDone) {
        super("audit stopped after round " + roundsDone);
        this.roundsDone = roundsDone;
    }

    public int roundsDone() {
        return roundsDone;
    }
}
