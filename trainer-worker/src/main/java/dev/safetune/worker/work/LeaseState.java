package dev.safetune.worker.work;

/** What a heartbeat learned about the lease it tried to renew. */
public enum LeaseState {
    /** Still ours: keep training. */
    HELD,
    /** The customer cancelled the job: stop at once, write nothing more but a last event. */
    CANCELLED,
    /** The customer paused the job: stop; a resume re-queues it and the next claim continues from a checkpoint. */
    PAUSED,
    /** Another claim or a re-queue replaced ours (we were presumed dead): stop and write nothing. */
    LOST
}
