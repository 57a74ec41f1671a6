package dev.safetune.worker.registry;

import dev.safetune.worker.registry.hub.DownloadedFile;
import dev.safetune.worker.registry.hub.HubClient;
import dev.safetune.worker.registry.hub.HubFile;
import dev.safetune.worker.registry.hub.HubRevision;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * A Hub revision's files. An LFS file whose SHA-256 (published in the listing) is already a blob is linked without
 * downloading it: re-importing a model, or importing another revision sharing its weights, costs no transfer.
 */
final class HubFiles implements SourceFiles {
    private final HubClient client;
    private final HubRevision revision;
    private final ModelStore store;
    private final Map<String, HubFile> files = new LinkedHashMap<>();

    HubFiles(HubClient client, HubRevision revision, ModelStore store) {
        this.client = client;
        this.revision = revision;
        this.store = store;
        for (HubFile file : revision.files()) {
            if (ModelFiles.isTopLevelName(file.name())) {
                files.put(file.name(), file);
            }
        }
    }

    HubRevision revision() {
        return revision;
    }

    @Override
    public String describe() {
        return "hf:" + revision.repoId() + "@" + revision.commit();
    }

    @Override
    public Set<String> names() {
        return files.keySet();
    }

    @Override
    public long size(String name) {
        return files.get(name).size();
    }

    @Override
    public Optional<String> publishedSha256(String name) {
        return files.get(name).lfsSha256();
    }

    @Override
    public List<ModelFile> fetch(List<String> names, ModelStore.Staging staging, LongConsumer bytes)
            throws IOException, InterruptedException {
        Map<String, ModelFile> fetched = new LinkedHashMap<>();
        List<HubFile> download = new ArrayList<>();
        for (String name : names) {
            HubFile file = files.get(name);
            Optional<String> sha256 = file.lfsSha256();
            if (sha256.isPresent() && store.hasBlob(sha256.get(), file.size())) {
                staging.link(name, sha256.get());
                bytes.accept(file.size());
                fetched.put(name, new ModelFile(name, file.size(), sha256.get()));
            } else {
                download.add(file);
            }
        }
        for (DownloadedFile done : client.download(revision, download, store.downloads(), bytes)) {
            store.adopt(done.path(), done.sha256());
            staging.link(done.file().name(), done.sha256());
            fetched.put(
                    done.file().name(),
                    new ModelFile(done.file().name(), done.file().size(), done.sha256()));
        }
        return names.stream().map(fetched::get).toList();
    }

    @Override
    public ModelRegistry.Provenance provenance(List<ModelFile> modelFiles) {
        return new ModelRegistry.Provenance(
                "hf",
                revision.repoId(),
                revision.revision(),
                revision.commit(),
                client.settings().endpoint().toString(),
                null,
                modelFiles,
                revision.licence());
    }

    @Override
    public void close() {
        client.close();
    }
}
