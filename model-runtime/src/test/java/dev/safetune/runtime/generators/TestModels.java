package dev.safetune.runtime.generators;

import dev.safetune.runtime.generators.BaseModelGenerator.ModelShape;
import java.io.IOException;
import java.nio.file.Path;

/** Small generated models for tests. */
public final class TestModels {

    /** Hidden 32, 2 layers, 4 query heads on 2 key/value heads (so GQA is exercised), MLP 64. */
    public static final ModelShape TINY = new ModelShape(32, 2, 4, 2, 64, 128, false);

    private TestModels() {}

    /** Writes a {@link #TINY} model with the bundled tokenizer into {@code dir}. */
    public static Path tiny(Path dir, long seed) throws IOException {
        BaseModelGenerator.generate(dir, "safetune-test-tiny", seed, TINY);
        return dir;
    }
}
