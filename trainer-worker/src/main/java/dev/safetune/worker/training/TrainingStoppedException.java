package dev.safetune.worker.training;

/** Training stopped because {@link TrainingListener#shouldStop()} said so. */
public final class TrainingStoppedException extends RuntimeException {

    private final int lastStep;

    public TrainingStoppedException(int lastStep) {
        super("training stopped after step " + lastStep);
        this.lastStep = lastStep;
    }

    /** The last completed step (0 when none ran; the checkpoint's step when stopped right after a resume). */
    public int lastStep() {
        return lastStep;
    }
}
