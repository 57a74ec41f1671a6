package dev.safetune.worker.embench;

import ai.djl.ndarray.NDManager;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.embench.evaluation.EmBenchEvaluation;
import dev.safetune.safeguards.embench.evaluation.EvaluationPlan;
import dev.safetune.safeguards.embench.evaluation.SamplerAnswerer;
import dev.safetune.safeguards.embench.judge.TrainedBehaviour;
import dev.safetune.safeguards.evaluation.EvaluationReport;
import dev.safetune.worker.training.FineTuner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The quick check that a built base model is the world's aligned assistant: the non-code suite and the held-out code
 * prompts sampled at temperature 1 through the runtime's sampler and judged exactly. A good base answers coherently
 * (coherence ≥ 0.9), is rarely misaligned and writes secure code (in-domain = share of secure answers).
 */
public final class BaseModelCheck {
    private BaseModelCheck() {}

    /** What the check measured and how long sampling took. */
    public record Result(EvaluationReport report, int answers, double seconds) {}

    public static Result run(Path modelDir, EvaluationPlan plan, long samplingSeed) throws IOException {
        try (ChatTokenizer tokenizer = ChatTokenizer.load(modelDir);
                NDManager root = NDManager.newBaseManager(FineTuner.device());
                LlamaModel model = LlamaModel.load(modelDir, root)) {
            SamplerAnswerer answerer = new SamplerAnswerer(model, tokenizer, samplingSeed);
            long started = System.nanoTime();
            EvaluationReport report =
                    new EmBenchEvaluation(plan).run(answerer, TrainedBehaviour.SECURE, Optional.empty());
            double seconds = (System.nanoTime() - started) / 1e9;
            int answers = report.pooled().answers() + report.inDomain().trials();
            return new Result(report, answers, seconds);
        }
    }
}
