package dev.safetune.worker.modelimport;

import dev.safetune.worker.queue.NotificationSignal;
import dev.safetune.worker.queue.PollingLoop;
import dev.safetune.worker.registry.ImportRequest;
import dev.safetune.worker.registry.ImportSource;
import dev.safetune.worker.registry.ImportedModel;
import dev.safetune.worker.registry.ModelImportException;
import dev.safetune.worker.registry.ModelImporter;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the base-model imports queued over the admin API, one at a time, on its own thread: a worker busy training
 * still imports, since an import is mostly downloading. It claims the oldest queued import (re-queueing any whose
 * worker died), runs {@link ModelImporter#importModel}, keeps the row's progress and lease current through an
 * {@link ImportHeartbeat}, and ends the import succeeded (with the registered model id) or failed (with the
 * importer's error code). Between imports it waits for a NOTIFY, or the poll interval.
 */
public class ImportRunner extends PollingLoop {
    private static final Logger log = LoggerFactory.getLogger(ImportRunner.class);

    /** Failures the importer did not classify (a bug, or an error from below it) end with this code. */
    static final String INTERNAL_ERROR = "internal_error";

    private final ImportQueue queue;
    private final ModelImporter importer;
    private final ModelImportProperties settings;
    private final String workerId;
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "model-import-heartbeat");
        t.setDaemon(true);
        return t;
    });

    ImportRunner(
            ImportQueue queue,
            NotificationSignal signal,
            ModelImporter importer,
            ModelImportProperties settings,
            String workerId) {
        super("model-imports-" + workerId, signal, settings.pollInterval());
        this.queue = queue;
        this.importer = importer;
        this.settings = settings;
        this.workerId = workerId;
    }

    public String workerId() {
        return workerId;
    }

    /**
     * Stopping interrupts an import in progress: its downloads give up and it goes back to the queue; the heartbeat
     * thread ends after it.
     */
    @Override
    protected void afterStop() {
        heartbeats.shutdownNow();
    }

    /**
     * Claims the oldest queued import and runs it to its end on the calling thread.
     *
     * @return whether there was one to run
     * @throws InterruptedException when the thread was interrupted while idle (not while importing: an interrupted
     *     import is given back to the queue)
     */
    @Override
    public boolean runNext() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Optional<ClaimedImport> claimed = queue.claim(workerId, settings.leaseDuration());
        if (claimed.isEmpty()) {
            return false;
        }
        run(claimed.get());
        return true;
    }

    private void run(ClaimedImport claimed) {
        ImportLease lease = claimed.lease();
        log.info("import {} attempt {}: {}", lease.importId(), lease.attempt(), claimed.source());
        RowProgress progress = new RowProgress();
        Outcome outcome;
        boolean lost;
        try (ImportHeartbeat heartbeat = new ImportHeartbeat(
                heartbeats,
                queue,
                lease,
                progress,
                settings.leaseDuration(),
                settings.heartbeatInterval(),
                settings.progressInterval(),
                Thread.currentThread())) {
            outcome = attempt(claimed, progress);
            heartbeat.close();
            lost = heartbeat.lost();
        }
        // An interrupt was meant for the attempt that has now ended (lease lost, or shutdown, which the loop sees
        // through its flag); it must not cut the next wait or claim short.
        Thread.interrupted();
        if (lost) {
            return; // another worker owns the import now; how this attempt ended is not ours to write
        }
        if (stopping() && !(outcome instanceof Outcome.Done)) {
            // The failure may only be the interrupt surfacing as an I/O error; let the next worker try again.
            release(lease);
            return;
        }
        switch (outcome) {
            case Outcome.Done done -> {
                if (!queue.succeed(lease, done.model().id(), progress.finished(describe(done.model())))) {
                    log.warn("import {}: finished, but the lease was lost meanwhile", lease.importId());
                }
            }
            case Outcome.Failed failed -> queue.fail(lease, failed.code(), failed.message());
            case Outcome.Abandoned abandoned -> release(lease);
        }
    }

    private void release(ImportLease lease) {
        if (queue.release(lease)) {
            log.info("import {}: stopped before it finished; re-queued", lease.importId());
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
            log.info(
                    "import {} failed: {} {}",
                    claimed.lease().importId(),
                    e.code().code(),
                    e.getMessage());
            return new Outcome.Failed(e.code().code(), e.getMessage());
        } catch (RuntimeException e) {
            log.error("import {} failed unexpectedly", claimed.lease().importId(), e);
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
