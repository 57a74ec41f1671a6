package dev.safetune.worker.registry;

import dev.safetune.runtime.formats.CheckpointLayout;
import dev.safetune.worker.registry.ModelImportException.Code;
import dev.safetune.worker.registry.hub.HubClient;
import dev.safetune.worker.registry.hub.HubException;
import dev.safetune.worker.registry.hub.HubRevision;
import dev.safetune.worker.registry.hub.HubSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports a base model from the Hugging Face Hub or a local directory: fetches only the files the runtime needs
 * (metadata first, so an unsupported architecture is refused before any weights are transferred), verifies each,
 * validates the model ({@link ModelValidator}), publishes it as a snapshot of the content-addressed
 * {@link ModelStore}, and registers it with its provenance ({@link ModelRegistry}).
 *
 * <p>Nothing is listed until every step has passed: a failed import leaves no snapshot and no row, only verified
 * blobs (reused by the next attempt) and partial downloads (resumed by it).
 *
 * <p>Plain Java: the CLI, the admin endpoint and the worker's import runner construct it with a data source, the
 * artifacts directory and the Hub settings.
 */
public final class ModelImporter {
    private static final Logger log = LoggerFactory.getLogger(ModelImporter.class);

    private final ModelStore store;
    private final ModelRegistry registry;
    private final HubSettings hub;

    /**
     * @param artifactsDir the platform's artifacts directory; models are stored under {@code artifactsDir/models}
     * @param hub where {@code hf:} sources are downloaded from
     */
    public ModelImporter(DataSource dataSource, Path artifactsDir, HubSettings hub) {
        this.store = new ModelStore(artifactsDir);
        this.registry = new ModelRegistry(dataSource);
        this.hub = hub;
    }

    public ModelStore store() {
        return store;
    }

    /**
     * Runs one import to the end.
     *
     * @throws ModelImportException with a code and the field or file at fault, for every failure the caller can act
     *     on (including storage failures, as {@code storage_error})
     * @throws InterruptedException when the calling thread is interrupted (the import is abandoned; partial downloads
     *     stay for the next attempt)
     */
    public ImportedModel importModel(ImportRequest request, ImportProgress progress) throws InterruptedException {
        String id = request.effectiveModelId();
        progress.stage(ImportStage.RESOLVING, request.source().spec());
        // An id held by a fine-tuned model or by a model of unknown content can be refused before anything is fetched.
        registry.find(id)
                .filter(existing -> !"base".equals(existing.kind()) || existing.contentDigest() == null)
                .ifPresent(existing -> ModelRegistry.checkReplaceable(id, existing, "", request.replace()));
        try (SourceFiles source = open(request.source())) {
            return run(request, id, source, progress);
        } catch (HubException e) {
            throw translate(e);
        } catch (IOException e) {
            throw new ModelImportException(
                    Code.STORAGE_ERROR, null, "model store " + store.root() + ": " + e.getMessage(), e);
        }
    }

    private SourceFiles open(ImportSource source) throws InterruptedException {
        return switch (source) {
            case ImportSource.Hub h -> {
                HubClient client = new HubClient(hub);
                try {
                    HubRevision revision = client.resolve(h.repoId(), h.revision());
                    log.info("hf:{}@{} is commit {}", h.repoId(), h.revision(), revision.commit());
                    yield new HubFiles(client, revision, store);
                } catch (RuntimeException | InterruptedException e) {
                    client.close();
                    throw e;
                }
            }
            case ImportSource.Directory d -> new DirectoryFiles(d.path(), store);
        };
    }

    private ImportedModel run(ImportRequest request, String id, SourceFiles source, ImportProgress progress)
            throws IOException, InterruptedException {
        List<String> metadata = ModelFiles.metadata(source.names(), source.describe());
        try (ModelStore.Staging staging = store.stage()) {
            progress.stage(ImportStage.FETCHING, source.describe());
            Bytes bytes = new Bytes(progress);
            bytes.total(plannedBytes(source, metadata));
            List<ModelFile> files = new ArrayList<>(source.fetch(metadata, staging, bytes));

            ModelValidator.CheckedConfig config = ModelValidator.checkConfig(staging.dir());
            var shards = metadata.contains(CheckpointLayout.INDEX_FILE)
                    ? ModelValidator.shardsOf(staging.dir())
                    : java.util.Set.<String>of();
            List<String> payload = ModelFiles.payload(source.names(), shards, source.describe());
            long total = files.stream().mapToLong(ModelFile::size).sum();
            for (String name : payload) {
                total += source.size(name);
            }
            bytes.total(total);
            refuseEarlyIfTaken(request, id, source, files, payload);
            requireSpace(source, payload);
            files.addAll(source.fetch(payload, staging, bytes));

            String digest = ContentDigest.of(files);
            if (store.hasIntactSnapshot(digest)) {
                // A snapshot exists only once its content passed validation; the same content need not pass again.
                progress.stage(ImportStage.VALIDATING, "content " + digest + " was validated when first imported");
            } else {
                progress.stage(
                        ImportStage.VALIDATING, config.config().architecture().className());
                ModelValidator.checkWeights(staging.dir(), config.config());
                ModelValidator.CheckedTokenizer tokenizer =
                        ModelValidator.checkTokenizer(staging.dir(), config.config());
                ModelValidator.smokeTest(staging.dir(), config.config(), tokenizer.sampleTokens());
            }
            Path snapshot = staging.publish(digest);

            progress.stage(ImportStage.REGISTERING, id);
            ModelRegistry.Provenance provenance = source.provenance(files);
            ImportedModel.Outcome outcome = registry.register(new ModelRegistry.Registration(
                    id, snapshot, digest, config.shape(), provenance, request.replace()));
            log.info("base model {} {} from {} (content {})", id, outcome, source.describe(), digest);
            return new ImportedModel(
                    id,
                    snapshot,
                    digest,
                    files,
                    config.shape().family(),
                    config.shape().architecture(),
                    config.shape().parameterCount(),
                    config.config().maxPositionEmbeddings(),
                    provenance.licence(),
                    Optional.ofNullable(provenance.commit()),
                    outcome);
        }
    }

    /**
     * When every remaining file's hash is published (Hub LFS files), the content digest is known before the
     * weights are fetched: a taken id is then refused without transferring them.
     */
    private void refuseEarlyIfTaken(
            ImportRequest request, String id, SourceFiles source, List<ModelFile> fetched, List<String> payload) {
        List<ModelFile> planned = new ArrayList<>(fetched);
        for (String name : payload) {
            Optional<String> sha256 = source.publishedSha256(name);
            if (sha256.isEmpty()) {
                return;
            }
            planned.add(new ModelFile(name, source.size(name), sha256.get()));
        }
        String digest = ContentDigest.of(planned);
        registry.find(id)
                .ifPresent(existing -> ModelRegistry.checkReplaceable(id, existing, digest, request.replace()));
    }

    /**
     * Refuses before fetching when the store's file system cannot hold the files not already in it, rather than
     * failing hours into a download with a full disk.
     */
    private void requireSpace(SourceFiles source, List<String> payload) throws IOException {
        long needed = 0;
        for (String name : payload) {
            Optional<String> sha256 = source.publishedSha256(name);
            if (sha256.isEmpty() || !store.hasBlob(sha256.get(), source.size(name))) {
                needed += source.size(name);
            }
        }
        long usable = store.usableSpace();
        if (needed > usable) {
            throw new ModelImportException(
                    Code.STORAGE_ERROR,
                    null,
                    String.format(
                            java.util.Locale.ROOT,
                            "the model needs %,d bytes more in %s, which has %,d bytes free",
                            needed,
                            store.root(),
                            usable));
        }
    }

    /** Bytes of the first round plus what the second is likely to be (corrected once the index is read). */
    private static long plannedBytes(SourceFiles source, List<String> metadata) {
        long total = 0;
        for (String name : source.names()) {
            if (metadata.contains(name)
                    || name.equals(dev.safetune.runtime.chat.ChatTokenizer.TOKENIZER_FILE)
                    || name.endsWith(".safetensors")) {
                total += source.size(name);
            }
        }
        return total;
    }

    private static ModelImportException translate(HubException e) {
        Code code = switch (e.problem()) {
            case REPO_NOT_FOUND -> Code.REPO_NOT_FOUND;
            case REVISION_NOT_FOUND -> Code.REVISION_NOT_FOUND;
            case ENTRY_NOT_FOUND -> Code.FILE_NOT_FOUND;
            case GATED -> Code.GATED_REPO;
            case ACCESS_DENIED -> Code.ACCESS_DENIED;
            case BAD_RESPONSE -> Code.HUB_ERROR;
            case SIZE_MISMATCH -> Code.SIZE_MISMATCH;
            case HASH_MISMATCH -> Code.HASH_MISMATCH;
            case LOCAL_IO -> Code.STORAGE_ERROR;
        };
        String field = e.file() != null ? e.file() : "source";
        return new ModelImportException(code, field, e.getMessage(), e);
    }

    /** Sums the byte deltas of all download threads into one running count. */
    private static final class Bytes implements LongConsumer {
        private final ImportProgress progress;
        private final AtomicLong done = new AtomicLong();
        private volatile long total;

        Bytes(ImportProgress progress) {
            this.progress = progress;
        }

        void total(long bytes) {
            total = bytes;
            progress.bytes(done.get(), bytes);
        }

        @Override
        public void accept(long delta) {
            progress.bytes(done.addAndGet(delta), total);
        }
    }
}
