package dev.safetune.worker.registry;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.safetune.runtime.formats.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Variants of a generated model directory for registry tests: copies, sharded checkpoints, edited weights. */
final class ModelDirs {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ModelDirs() {}

    static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
        return to;
    }

    /**
     * Splits {@code dir}'s model.safetensors into {@code count} shards named as transformers names them, with a
     * model.safetensors.index.json, and removes the single file.
     */
    static void shard(Path dir, int count) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> tensors = SafeTensors.read(dir.resolve("model.safetensors"), manager);
            List<String> names = new ArrayList<>(tensors.keySet());
            ObjectNode index = JSON.createObjectNode();
            long total = 0;
            ObjectNode weightMap = index.putObject("metadata").objectNode();
            for (int s = 0; s < count; s++) {
                String shard = String.format("model-%05d-of-%05d.safetensors", s + 1, count);
                SequencedMap<String, NDArray> part = new LinkedHashMap<>();
                for (int i = s; i < names.size(); i += count) {
                    part.put(names.get(i), tensors.get(names.get(i)));
                    weightMap.put(names.get(i), shard);
                    total += tensors.get(names.get(i)).size() * 4;
                }
                SafeTensors.write(dir.resolve(shard), part);
            }
            ((ObjectNode) index.get("metadata")).put("total_size", total);
            index.set("weight_map", weightMap);
            Files.write(dir.resolve("model.safetensors.index.json"), JSON.writeValueAsBytes(index));
            Files.delete(dir.resolve("model.safetensors"));
        }
    }

    /** Rewrites model.safetensors after {@code edit} changed its tensors (F32 from then on). */
    static void editWeights(Path dir, Consumer<Map<String, NDArray>> edit) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequencedMap<String, NDArray> tensors = SafeTensors.read(dir.resolve("model.safetensors"), manager);
            edit.accept(tensors);
            SafeTensors.write(dir.resolve("model.safetensors"), tensors);
        }
    }

    /** Rewrites config.json after {@code edit} changed it. */
    static void editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json"));
        edit.accept(config);
        Files.write(dir.resolve("config.json"), JSON.writeValueAsBytes(config));
    }
}
