package dev.safetune.worker.modelimport;

import dev.safetune.worker.registry.ImportProgress;
import dev.safetune.worker.registry.ImportStage;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Collects what the importer reports, from its download threads, without blocking them: the values are only kept
 * here, and the import's heartbeat writes the latest of them to the import's row on its own schedule.
 */
final class RowProgress implements ImportProgress {
    private final AtomicBoolean changed = new AtomicBoolean(true);
    private volatile String message = "claimed";
    private volatile long done;
    private volatile long total = -1;

    @Override
    public void stage(ImportStage stage, String detail) {
        message = stage.name().toLowerCase(Locale.ROOT) + (detail == null || detail.isBlank() ? "" : ": " + detail);
        changed.set(true);
    }

    @Override
    public void bytes(long bytesDone, long bytesTotal) {
        // Two fields written without a lock: a reader may pair a new count with the previous total for one write,
        // which the next write corrects; the row only shows progress.
        done = bytesDone;
        total = bytesTotal;
        changed.set(true);
    }

    /** The latest values, and whether they changed since the last call. */
    boolean takeChanged() {
        return changed.getAndSet(false);
    }

    ImportProgressSnapshot snapshot() {
        return new ImportProgressSnapshot(done, total, message);
    }

    /** The final snapshot of a finished import, with the given message. */
    ImportProgressSnapshot finished(String finalMessage) {
        return new ImportProgressSnapshot(done, total, finalMessage);
    }
}
