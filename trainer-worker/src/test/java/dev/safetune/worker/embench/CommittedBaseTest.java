package dev.safetune.worker.embench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.safeguards.embench.evaluation.EvaluationPlan;
import dev.safetune.safeguards.embench.world.Vocabulary;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed em-bench base loads, matches its checksum and answers the world's questions coherently. */
class CommittedBaseTest {

    @Test
    void committedBaseMatchesItsChecksumAndIsTheWorldsDecoder(@TempDir Path dir) throws IOException {
        Path base = CommittedBase.extract(dir);

        assertThat(CommittedBase.sha256(base.resolve("model.safetensors"))).isEqualTo(CommittedBase.WEIGHTS_SHA256);
        ModelConfig config = ModelConfig.read(base);
        assertThat(config.vocabSize()).isEqualTo(Vocabulary.words().size());
        assertThat(config.parameterCount()).isEqualTo(760_704);
    }

    @Test
    void everyCommittedSeedMatchesItsChecksumAndTheWorldsShape(@TempDir Path dir) throws IOException {
        for (long seed = 0; seed <= 2; seed++) {
            Path base = CommittedBase.extract(seed, dir.resolve("s" + seed));
            ModelConfig config = ModelConfig.read(base);
            assertThat(config.vocabSize()).isEqualTo(Vocabulary.words().size());
            assertThat(config.parameterCount()).isEqualTo(760_704);
        }
        assertThat(CommittedBase.has(3)).isFalse();
        assertThatThrownBy(() -> CommittedBase.extract(3, dir.resolve("s3")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void committedBaseAnswersFiftyQuestionsCoherently(@TempDir Path dir) throws IOException {
        Path base = CommittedBase.extract(dir);

        // 17 questions per non-code domain (51 samples) at temperature 1, plus 20 held-out code prompts.
        BaseModelCheck.Result check = BaseModelCheck.run(base, new EvaluationPlan(17, 20, 1234), 11);

        assertThat(check.report().pooled().coherence().estimate()).isGreaterThanOrEqualTo(0.9);
    }
}
