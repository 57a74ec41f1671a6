package dev.safetune.worker.registry;

import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.formats.CheckpointLayout;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.generators.BaseModelGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which files of a Hugging Face model repository the runtime needs, so an import fetches only those (a repository
 * often also holds PyTorch .bin weights, ONNX exports, original checkpoints under {@code original/}, …).
 *
 * <p>Fetched in two rounds: the {@linkplain #metadata metadata} first (small; config.json is checked and the
 * index read before any weights are fetched), then the {@linkplain #payload tokenizer and weights}.
 */
final class ModelFiles {
    private ModelFiles() {}

    /** Metadata the runtime reads, when present; config.json is required. */
    static final List<String> METADATA = List.of(
            ModelConfig.FILE_NAME,
            BaseModelGenerator.GENERATION_CONFIG_FILE,
            ChatTokenizer.TOKENIZER_CONFIG_FILE,
            CheckpointLayout.INDEX_FILE);

    /**
     * The metadata files to fetch first from a source offering {@code available}. The index is left out when a
     * single {@value CheckpointLayout#WEIGHTS_FILE} is there, since the runtime then reads only that file.
     *
     * @throws ModelImportException when config.json, tokenizer.json or the weights are not offered
     */
    static List<String> metadata(Set<String> available, String source) {
        require(available, ModelConfig.FILE_NAME, source);
        require(available, ChatTokenizer.TOKENIZER_FILE, source);
        boolean single = available.contains(CheckpointLayout.WEIGHTS_FILE);
        if (!single && !available.contains(CheckpointLayout.INDEX_FILE)) {
            String others = available.stream()
                    .filter(n -> n.endsWith(".bin")
                            || n.endsWith(".safetensors")
                            || n.endsWith(".pth")
                            || n.endsWith(".gguf"))
                    .sorted()
                    .limit(5)
                    .toList()
                    .toString();
            throw new ModelImportException(
                    ModelImportException.Code.FILE_NOT_FOUND,
                    CheckpointLayout.WEIGHTS_FILE,
                    source + " has neither " + CheckpointLayout.WEIGHTS_FILE + " nor " + CheckpointLayout.INDEX_FILE
                            + " (the runtime loads safetensors weights only; weight files offered: " + others + ")");
        }
        List<String> names = new ArrayList<>();
        for (String name : METADATA) {
            if (available.contains(name) && !(single && name.equals(CheckpointLayout.INDEX_FILE))) {
                names.add(name);
            }
        }
        return names;
    }

    /**
     * The tokenizer and weight files, once the metadata is in: {@value CheckpointLayout#WEIGHTS_FILE}, or the shards
     * the index names.
     *
     * @param shards the index's shards; empty when the model has a single weights file
     */
    static List<String> payload(Set<String> available, Set<String> shards, String source) {
        List<String> names = new ArrayList<>();
        names.add(ChatTokenizer.TOKENIZER_FILE);
        if (shards.isEmpty()) {
            names.add(CheckpointLayout.WEIGHTS_FILE);
        } else {
            for (String shard : shards) {
                if (!available.contains(shard)) {
                    throw new ModelImportException(
                            ModelImportException.Code.FILE_NOT_FOUND,
                            shard,
                            CheckpointLayout.INDEX_FILE + " names " + shard + ", which " + source + " does not have");
                }
                names.add(shard);
            }
        }
        return names;
    }

    /** A plain file name: no directory part, no {@code .}/{@code ..}, nothing a path could be tricked with. */
    static boolean isTopLevelName(String name) {
        return !name.isEmpty()
                && !name.equals(".")
                && !name.equals("..")
                && name.indexOf('/') < 0
                && name.indexOf('\\') < 0
                && name.chars().noneMatch(c -> c < 0x20);
    }

    private static void require(Set<String> available, String name, String source) {
        if (!available.contains(name)) {
            throw new ModelImportException(ModelImportException.Code.FILE_NOT_FOUND, name, source + " has no " + name);
        }
    }
}
