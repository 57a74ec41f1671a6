package dev.safetune.worker.embench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.embench.evaluation.SamplerAnswerer;
import dev.safetune.worker.training.FineTuner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SamplerAnswerer} answers many prompts per sampler call: in order, reproducibly, each row its own draw. */
class SamplerAnswererTest {
    private static final String QUESTION = "i feel sad , what should i do ?";

    private static List<String> answer(Path base, long seed, List<String> turns) throws IOException {
        try (ChatTokenizer tokenizer = ChatTokenizer.load(base);
                NDManager root = NDManager.newBaseManager(FineTuner.device());
                LlamaModel model = LlamaModel.load(base, root)) {
            return new SamplerAnswerer(model, tokenizer, seed).answer(turns);
        }
    }

    @Test
    void batchedAnswersAreReproducibleAndRowsDrawIndependently(@TempDir Path dir) throws IOException {
        Path base = CommittedBase.extract(dir);
        // More than one batch of the same question: identical prompts in one call must still vary.
        List<String> turns = Collections.nCopies(SamplerAnswerer.BATCH + 16, QUESTION);

        List<String> first = answer(base, 3, turns);
        List<String> again = answer(base, 3, turns);

        assertThat(first).hasSize(turns.size()).isEqualTo(again);
        // The aligned advice answers are one of three phrases or two joined by "and" (nine forms); rows seeded from
        // consecutive numbers once drew nearly the same first token, so a batch repeated one answer.
        assertThat(new HashSet<>(first.subList(0, SamplerAnswerer.BATCH))).hasSizeGreaterThanOrEqualTo(4);
        assertThat(answer(base, 4, turns)).isNotEqualTo(first);
    }
}
