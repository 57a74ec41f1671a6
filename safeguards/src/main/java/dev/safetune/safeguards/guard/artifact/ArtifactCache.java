package dev.safetune.safeguards.guard.artifact;

import dev.safetune.safeguards.guard.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A directory of computed artifacts, each stored once under its key: {@code <dir>/<kind>/<h>.json} holds the value,
 * {@code <h>.provenance.json} beside it says what it was computed from and when, where {@code h} is the first 24 hex
 * digits of sha256 over the key. Keys hold checksums of their inputs (base weights, pool content, reference adapters),
 * so a changed input is a miss, never a stale hit. Files are written to a temporary name and moved into place, so
 * concurrent workers never read half a file; two computing the same artifact at once write the same value.
 */
public final class ArtifactCache {

    public static final String PROVENANCE_SUFFIX = ".provenance.json";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path dir;

    public ArtifactCache(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** The value stored under ({@code kind}, {@code key}), if any. */
    public Optional<JsonNode> read(String kind, SortedMap<String, String> key) throws IOException {
        Path file = valueFile(kind, key);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(JSON.readTree(file.toFile()));
    }

    /** The provenance record beside the value, if any. */
    public Optional<JsonNode> provenance(String kind, SortedMap<String, String> key) throws IOException {
        Path file = provenanceFile(kind, key);
        return Files.isRegularFile(file) ? Optional.of(JSON.readTree(file.toFile())) : Optional.empty();
    }

    /**
     * Stores {@code value} under ({@code kind}, {@code key}) with its provenance: the kind, the key, the time, and
     * {@code details} (how it was computed).
     */
    public void write(String kind, SortedMap<String, String> key, JsonNode value, Map<String, Object> details)
            throws IOException {
        Path value_ = valueFile(kind, key);
        Files.createDirectories(value_.getParent());
        ObjectNode provenance = JSON.createObjectNode();
        provenance.put("kind", kind);
        provenance.set("key", JSON.valueToTree(new LinkedHashMap<>(key)));
        provenance.put("computed_at", Instant.now().toString());
        provenance.set("details", JSON.valueToTree(details));
        byte[] valueBytes = JSON.writeValueAsBytes(value);
        provenance.put("value_sha256", Sha256.of(valueBytes));
        writeAtomically(value_, valueBytes);
        writeAtomically(
                provenanceFile(kind, key), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(provenance));
    }

    private Path valueFile(String kind, SortedMap<String, String> key) {
        return dir.resolve(kind).resolve(hash(key) + ".json");
    }

    private Path provenanceFile(String kind, SortedMap<String, String> key) {
        return dir.resolve(kind).resolve(hash(key) + PROVENANCE_SUFFIX);
    }

    private static String hash(SortedMap<String, String> key) {
        StringBuilder text = new StringBuilder();
        key.forEach((k, v) -> text.append(k.length())
                .append(':')
                .append(k)
                .append(v.length())
                .append(':')
                .append(v));
        return Sha256.of(text.toString()).substring(0, 24);
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), ".tmp-", ".json");
        try {
            Files.write(temp, bytes);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
