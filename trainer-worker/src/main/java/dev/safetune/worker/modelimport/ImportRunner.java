package dev.safetune.worker.modelimport;

import dev.safetune.worker.registry.ImportRequest;
import dev.safetune.worker.registry.ImportSource;
import dev.safetune.worker.registry.ImportedModel;
import dev.safetune.worker.registry.ModelImportException;
import dev.safetune.worker.registry.ModelImporter;
import dev.safetune.worker.work.Heartbeats;
import dev.safetune.worker.work.Lease;
import dev.safetune.worker.work.LeaseState;
import dev.safetune.worker.work.WorkHandler;
import dev.safetune.worker.work.WorkKind;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the base-model imports queued over the admin API: the model-import handler on the leased-work queue. Its loop
 * runs on a thread of its own, so a worker busy training still imports, since an import is mostly downloading. It runs
 * {@link ModelImporter#importModel} on a claimed import, keeps the row's progress and lease current from a heartbeat
 * (progress every {@code progressInterval} when it changed, the lease at least every heartbeat interval), and ends
 * the import succeeded (with the registered model id) or failed (with the importer's error code). A lost lease
 * interrupts the import: another worker may own it by then.
 */
public class ImportRunner implements WorkHandler<ClaimedImport> {
    private static final Logger log = LoggerFactory.getLogger(ImportRunner.class);

    /** Failures the importer did not classify (a bug, or an error from below it) end with this code. */
    static final String INTERNAL_ERROR = "internal_error";

    private final ImportQueue queue;
    private final ModelImporter importer;
    private final Heartbeats heartbeats;
    private volatile boolean stopping;

    ImportRunner(ImportQueue queue, ModelImporter importer, ModelImportProperties settings) {
        this.queue = queue;
        this.importer = importer;
        this.heartbeats = new Heartbeats("model-import-heartbeat", queue.kind().policy(), settings.progressInterval());
    }

    @Override
    public WorkKind kind() {
        return queue.kind();
    }

    @Override
    public ClaimedImport claimed(Lease lease, ResultSet row) throws SQLException {
        return ImportQueue.claimed(lease, row);
    }

    /** Stopping interrupts an import in progress: its downloads give up and it goes back to the queue. */
    @Override
    public void beforeStop() {
        stopping = true;
    }

    /** The heartbeat thread ends after the import. */
    @Override
    public void afterStop() {
        heartbeats.close();
    }

    @Override
    public void execute(ClaimedImport claimed) {
        Lease lease = claimed.lease();
        log.info("import {} attempt {}: {}", lease.id(), lease.attempt(), claimed.source());
        RowProgress progress = new RowProgress();
        Thread importThread = Thread.currentThread();
        Outcome outcome;
        boolean lost;
        try (Heartbeats.Heartbeat heartbeat = heartbeats.start(
                lease,
                renewDue -> progress.takeChanged() || renewDue
                        ? Optional.of(queue.heartbeat(lease, progress.snapshot()) ? LeaseState.HELD : LeaseState.LOST)
                        : Optional.empty(),
                importThread::interrupt)) {
            outcome = attempt(claimed, progress);
            heartbeat.close();
            lost = heartbeat.state() != LeaseState.HELD;
        }
        // An interrupt was meant for the attempt that has now ended (lease lost, or shutdown, which the loop sees
        // through its flag); it must not cut the next wait or claim short.
        Thread.interrupted();
        if (lost) {
            return; // another worker owns the import now; how this attempt ended is not ours to write
        }
        if (stopping && !(outcome instanceof Outcome.Done)) {
            // The failure may only be the interrupt surfacing as an I/O error; let the next worker try again.
            release(lease);
            return;
        }
        switch (outcome) {
            case Outcome.Done done -> {
                if (!queue.succeed(lease, done.model().id(), progress.finished(describe(done.model())))) {
                    log.warn("import {}: finished, but the lease was lost meanwhile", lease.id());
                }
            }
            case Outcome.Failed failed -> queue.fail(lease, failed.code(), failed.message());
            case Outcome.Abandoned abandoned -> release(lease);
        }
    }

    private void release(Lease lease) {
        if (queue.release(lease)) {
            log.info("import {}: stopped before it finished; re-queued", lease.id());
        }
    }

    private Outcome attempt(ClaimedImport claimed, RowProgress progress) {
        try {
            ImportRequest request =
                    new ImportRequest(ImportSource.parse(claimed.source()), claimed.modelId(), claimed.replace());
            return new Outcome.Done(importer.importModel(request, progress));
        } catch (InterruptedException e) {
            return new Outcome.Abandoned();
        } catch (ModelImportException e) {
            log.info("import {} failed: {} {}", claimed.lease().id(), e.code().code(), e.getMessage());
            return new Outcome.Failed(e.code().code(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("import {} failed unexpectedly", claimed.lease().id(), e);
            return new Outcome.Failed(INTERNAL_ERROR, "The import failed unexpectedly: " + e);
        }
    }

    private static String describe(ImportedModel model) {
        String what = model.family() + ", " + model.parameters() + " parameters, content " + model.contentDigest();
        return switch (model.outcome()) {
            case REGISTERED -> "registered " + model.id() + " (" + what + ")";
            case UNCHANGED -> model.id() + " already held this content (" + what + "); nothing changed";
            case REPLACED -> "replaced the content of " + model.id() + " (" + what + ")";
        };
    }

    /** How one attempt ended, before it is written. */
    private sealed interface Outcome {
        record Done(ImportedModel model) implements Outcome {}

        record Failed(String code, String message) implements Outcome {}

        /** Interrupted: shutting down, or the lease was lost. */
        record Abandoned() implements Outcome {}
    }
}
