package dev.safetune.worker.registry.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads a revision's files a few at a time, each a {@link FileDownload} on a thread of its own; the first file
 * that fails for good stops the others, and their {@code .incomplete} files are closed and unlocked before the failure
 * is reported, so a retry can resume them.
 */
final class ParallelDownloads {
    private static final Logger log = LoggerFactory.getLogger(ParallelDownloads.class);

    private final FileDownload fileDownload;
    private final int parallelDownloads;

    ParallelDownloads(FileDownload fileDownload, int parallelDownloads) {
        this.fileDownload = fileDownload;
        this.parallelDownloads = parallelDownloads;
    }

    /** See {@link HubClient#download}: largest first, results in the order requested. */
    List<DownloadedFile> download(HubRevision revision, List<HubFile> files, Path downloadDir, LongConsumer progress)
            throws InterruptedException {
        try {
            Files.createDirectories(downloadDir);
        } catch (IOException e) {
            throw new HubException(
                    HubException.Problem.LOCAL_IO, null, "cannot create download directory " + downloadDir, e);
        }
        for (HubFile file : files) {
            if (file.size() < 0 || file.blobId().isEmpty()) {
                throw new HubException(
                        HubException.Problem.BAD_RESPONSE,
                        file.name(),
                        "the Hub listing publishes no size or hash for " + file.name() + ", so it cannot be verified");
            }
        }
        int threads = Math.min(parallelDownloads, files.size());
        if (threads <= 1) {
            List<DownloadedFile> done = new ArrayList<>();
            for (HubFile file : files) {
                done.add(fileDownload.download(revision, file, downloadDir, progress));
            }
            return done;
        }
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "hub-download-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            ExecutorCompletionService<DownloadedFile> completion = new ExecutorCompletionService<>(pool);
            List<Future<DownloadedFile>> futures = new ArrayList<>();
            List<HubFile> largestFirst = files.stream()
                    .sorted(Comparator.comparingLong(HubFile::size).reversed())
                    .toList();
            for (HubFile file : largestFirst) {
                futures.add(completion.submit(() -> fileDownload.download(revision, file, downloadDir, progress)));
            }
            List<DownloadedFile> done = new ArrayList<>();
            for (int i = 0; i < largestFirst.size(); i++) {
                try {
                    done.add(completion.take().get());
                } catch (ExecutionException e) {
                    futures.forEach(f -> f.cancel(true));
                    throw rethrow(e.getCause());
                }
            }
            return files.stream()
                    .map(file -> done.stream()
                            .filter(d -> d.file().equals(file))
                            .findFirst()
                            .orElseThrow())
                    .toList();
        } finally {
            pool.shutdownNow();
            // The workers hold the .incomplete files open and locked; they must be closed before anyone retries.
            if (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                log.warn("download threads did not stop within a minute");
            }
        }
    }

    private static RuntimeException rethrow(Throwable cause) throws InterruptedException {
        if (cause instanceof InterruptedException interrupted) {
            throw interrupted;
        }
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof CancellationException cancelled) {
            return cancelled;
        }
        return new IllegalStateException(cause);
    }
}
