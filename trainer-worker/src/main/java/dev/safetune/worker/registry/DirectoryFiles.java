package dev.safetune.worker.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * A local directory in the Hugging Face layout (a {@code save_pretrained} output, a cloned repository, a
 * {@code huggingface_hub} cache snapshot of symlinks). Its files are copied into the store, hashed on the way, so the
 * model no longer depends on the directory staying as it is.
 */
final class DirectoryFiles implements SourceFiles {
    private final Path dir;
    private final ModelStore store;
    private final Map<String, Long> sizes = new LinkedHashMap<>();

    DirectoryFiles(Path dir, ModelStore store) {
        this.dir = dir;
        this.store = store;
        if (!Files.isDirectory(dir)) {
            throw new ModelImportException(
                    ModelImportException.Code.INVALID_SOURCE, "source", dir + " is not a directory");
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.sorted().toList()) {
                String name = entry.getFileName().toString();
                if (Files.isRegularFile(entry) && ModelFiles.isTopLevelName(name)) {
                    sizes.put(name, Files.size(entry));
                }
            }
        } catch (IOException e) {
            throw new ModelImportException(
                    ModelImportException.Code.INVALID_SOURCE, "source", "cannot list " + dir + ": " + e, e);
        }
    }

    @Override
    public String describe() {
        return "dir:" + dir;
    }

    @Override
    public Set<String> names() {
        return sizes.keySet();
    }

    @Override
    public long size(String name) {
        return sizes.get(name);
    }

    @Override
    public Optional<String> publishedSha256(String name) {
        return Optional.empty();
    }

    @Override
    public List<ModelFile> fetch(List<String> names, ModelStore.Staging staging, LongConsumer bytes)
            throws IOException {
        List<ModelFile> files = new ArrayList<>();
        for (String name : names) {
            ModelFile file = store.copyIn(dir.resolve(name), name, bytes);
            staging.link(name, file.sha256());
            files.add(file);
        }
        return files;
    }

    @Override
    public ModelRegistry.Provenance provenance(List<ModelFile> files) {
        return new ModelRegistry.Provenance("dir", null, null, null, null, dir.toString(), files, licence());
    }

    /**
     * The {@code license} of the model card's YAML front matter ({@code README.md} between {@code ---} lines), as the
     * Hub reads it into {@code cardData.license}; {@code license_name} when that is {@code other}.
     */
    Optional<String> licence() {
        Path readme = dir.resolve("README.md");
        if (!Files.isRegularFile(readme)) {
            return Optional.empty();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (lines.isEmpty() || !lines.getFirst().strip().equals("---")) {
            return Optional.empty();
        }
        String license = null;
        String licenseName = null;
        for (String line : lines.subList(1, lines.size())) {
            if (line.strip().equals("---")) {
                break;
            }
            if (line.startsWith("license:")) {
                license = unquote(line.substring("license:".length()));
            } else if (line.startsWith("license_name:")) {
                licenseName = unquote(line.substring("license_name:".length()));
            }
        }
        if ("other".equals(license) && licenseName != null) {
            license = licenseName;
        }
        return Optional.ofNullable(license).filter(s -> !s.isEmpty());
    }

    private static String unquote(String value) {
        String v = value.strip();
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            v = v.substring(1, v.length() - 1);
        }
        return v.strip();
    }

    @Override
    public void close() {}
}
