package dev.safetune.safeguards.guard;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.runtime.generators.BaseModelGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A generated two-layer model (hidden 32) and chat examples for the safeguards' tests. */
final class TinyModel {

    static final BaseModelGenerator.ModelShape SHAPE = new BaseModelGenerator.ModelShape(32, 2, 2, 1, 64, 64, false);

    private TinyModel() {}

    static Path generate(Path dir, long seed) throws IOException {
        BaseModelGenerator.generate(dir, "tiny-guard-test", seed, SHAPE);
        return dir;
    }

    static ChatExample chat(String user, String assistant) {
        return new ChatExample(
                1, List.of(ChatMessage.of(ChatMessage.USER, user), ChatMessage.of(ChatMessage.ASSISTANT, assistant)));
    }

    static List<ChatExample> examples(String prefix, int count) {
        List<ChatExample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(chat("question " + prefix + " " + i, "the answer is " + prefix + " number " + i));
        }
        return out;
    }
}
