package dev.safetune.worker.training;

import ai.djl.ndarray.NDManager;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Turns a fine-tuned model directory with a LoRA adapter into a plain model directory: the merged weights
 * {@code W + s·B·A} in the base's own files and dtypes, with the base's {@code config.json}, tokenizer and generation
 * config, loadable without PEFT (transformers' {@code from_pretrained}, {@link LlamaModel#load}).
 */
public final class MergedExport {

    private MergedExport() {}

    /**
     * Writes {@code parent/name} (atomically, replacing an existing one) from {@code modelDir}: an adapter directory as
     * {@link FineTuner} writes it, or a plain model directory, which is copied in its own layout.
     *
     * @return the written directory
     */
    public static Path write(Path modelDir, Path parent, String name) throws IOException {
        GradMode.disableOnThisThread();
        try (NDManager manager = NDManager.newBaseManager(FineTuner.device());
                LlamaModel model = LlamaModel.load(modelDir, manager)) {
            Path base = model.adapterConfig().isPresent() ? LlamaModel.baseModelOf(modelDir) : modelDir;
            return ModelDirectories.publish(parent, name, dir -> {
                ModelDirectories.copyModelFiles(base, dir);
                model.writeMergedWeights(dir);
            });
        }
    }
}
