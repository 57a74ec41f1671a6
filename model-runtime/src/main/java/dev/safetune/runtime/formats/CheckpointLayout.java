package dev.safetune.runtime.formats;

import ai.djl.ndarray.NDArray;
import dev.safetune.runtime.formats.SafeTensors.Dtype;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a Hugging Face checkpoint stores its weights: one {@value #WEIGHTS_FILE} or shards listed in
 * {@value #INDEX_FILE}, and each tensor's stored dtype. A model remembers the layout it was loaded from and writes
 * back the same way (same files, names, shapes and dtypes; the index copied verbatim), so a checkpoint read and
 * written unchanged is byte-identical.
 *
 * @param dtypes stored dtype by tensor name; tensors not listed are F32
 * @param shards shard file by tensor name; empty for a single {@value #WEIGHTS_FILE}
 * @param indexJson the index file's text when sharded, else null
 */
public record CheckpointLayout(Map<String, Dtype> dtypes, Map<String, String> shards, String indexJson) {

    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    /** Everything F32 in one {@value #WEIGHTS_FILE}. */
    public static final CheckpointLayout SINGLE_F32 = new CheckpointLayout(Map.of(), Map.of(), null);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public CheckpointLayout {
        dtypes = Map.copyOf(dtypes);
        shards = Map.copyOf(shards);
        if (shards.isEmpty() != (indexJson == null)) {
            throw new IllegalArgumentException("a sharded layout needs its index, a single file none");
        }
    }

    public Dtype dtypeOf(String name) {
        return dtypes.getOrDefault(name, Dtype.F32);
    }

    /** Whether {@code dir} holds weights of its own ({@value #WEIGHTS_FILE} or {@value #INDEX_FILE}). */
    public static boolean hasWeights(Path dir) {
        return Files.isRegularFile(dir.resolve(WEIGHTS_FILE)) || Files.isRegularFile(dir.resolve(INDEX_FILE));
    }

    /** The layout of the checkpoint in {@code dir}, from the safetensors headers and the index. */
    public static CheckpointLayout read(Path dir) throws IOException {
        Map<String, Dtype> dtypes = new LinkedHashMap<>();
        Map<String, String> shards = new LinkedHashMap<>();
        String index = null;
        if (!Files.isRegularFile(dir.resolve(WEIGHTS_FILE))) {
            index = Files.readString(dir.resolve(INDEX_FILE), StandardCharsets.UTF_8);
        }
        for (Path file : files(dir)) {
            for (SafeTensors.TensorInfo info :
                    SafeTensors.readHeader(file).tensors().values()) {
                dtypes.put(info.name(), info.dtype());
                if (index != null) {
                    shards.put(info.name(), file.getFileName().toString());
                }
            }
        }
        return new CheckpointLayout(dtypes, shards, index);
    }

    /**
     * The weight files of {@code dir}: {@value #WEIGHTS_FILE}, or the shards named by {@value #INDEX_FILE} in the
     * order they first appear there.
     *
     * @throws IllegalArgumentException when there is neither, or the index names a file outside {@code dir}
     */
    public static List<Path> files(Path dir) throws IOException {
        Path single = dir.resolve(WEIGHTS_FILE);
        if (Files.isRegularFile(single)) {
            return List.of(single);
        }
        Path index = dir.resolve(INDEX_FILE);
        if (!Files.isRegularFile(index)) {
            throw new IllegalArgumentException("no " + WEIGHTS_FILE + " or " + INDEX_FILE + " in " + dir);
        }
        Set<String> shards = new LinkedHashSet<>();
        JsonNode weightMap = JSON.readTree(index).path("weight_map");
        for (JsonNode shard : weightMap.values()) {
            shards.add(shard.asString());
        }
        List<Path> files = new ArrayList<>();
        for (String shard : shards) {
            Path file = dir.resolve(shard).normalize();
            if (!file.startsWith(dir.normalize())) {
                throw new IllegalArgumentException(INDEX_FILE + " names a shard outside " + dir + ": " + shard);
            }
            files.add(file);
        }
        return files;
    }

    /**
     * Writes {@code tensors} into {@code dir} in this layout, each narrowed to its stored dtype, every file with the
     * PyTorch metadata.
     *
     * @throws IllegalArgumentException when a sharded layout has no shard for one of the tensors
     */
    public void write(Path dir, SequencedMap<String, NDArray> tensors) throws IOException {
        if (shards.isEmpty()) {
            SafeTensors.write(dir.resolve(WEIGHTS_FILE), entries(tensors.entrySet()), SafeTensors.PT_METADATA);
            return;
        }
        Map<String, List<Map.Entry<String, NDArray>>> byShard = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> tensor : tensors.entrySet()) {
            String shard = shards.get(tensor.getKey());
            if (shard == null) {
                throw new IllegalArgumentException("the source index has no shard for " + tensor.getKey());
            }
            byShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(tensor);
        }
        for (Map.Entry<String, List<Map.Entry<String, NDArray>>> shard : byShard.entrySet()) {
            SafeTensors.write(dir.resolve(shard.getKey()), entries(shard.getValue()), SafeTensors.PT_METADATA);
        }
        Files.writeString(dir.resolve(INDEX_FILE), indexJson, StandardCharsets.UTF_8);
    }

    private List<SafeTensors.Entry> entries(Iterable<Map.Entry<String, NDArray>> tensors) {
        List<SafeTensors.Entry> entries = new ArrayList<>();
        for (Map.Entry<String, NDArray> tensor : tensors) {
            entries.add(SafeTensors.Entry.of(tensor.getKey(), tensor.getValue(), dtypeOf(tensor.getKey())));
        }
        return entries;
    }
}
