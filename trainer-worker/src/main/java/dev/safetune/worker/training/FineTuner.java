package dev.safetune.worker.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.PaddedBatch;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.model.ForwardOptions;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.model.LoraConfig;
import dev.safetune.safeguards.guard.GuardContext;
import dev.safetune.safeguards.guard.LossBreakdown;
import dev.safetune.safeguards.guard.ProbeReading;
import dev.safetune.safeguards.guard.ReferencePass;
import dev.safetune.safeguards.guard.SafeguardSet;
import dev.safetune.safeguards.guard.StepLoss;
import dev.safetune.safeguards.guard.StepTelemetry;
import dev.safetune.safeguards.guard.TrainingProbe;
import dev.safetune.safeguards.loss.MaskedCrossEntropy;
import dev.safetune.safeguards.loss.TokenObjective;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervised fine-tuning of a {@link LlamaModel} on chat conversations: a LoRA adapter on the frozen base (the
 * default) or a full fine-tune ({@link TrainingRequest#lora()}), next-token cross-entropy on trained assistant tokens
 * ({@link MaskedCrossEntropy}), {@link AdamW} with a {@link LearningRateSchedule#warmupCosine warm-up + cosine}
 * schedule at {@code learning_rate_multiplier × base learning rate} ({@code safetune.base_learning_rate} in the
 * model's {@code config.json}, 1e-3 by default), atomic checkpoints (every {@code checkpointEverySteps} steps and at
 * each epoch end, the last step included) and exact resume.
 *
 * <p>What is written:
 *
 * <ul>
 *   <li>LoRA: checkpoints hold the adapter in PEFT's layout ({@code adapter_config.json},
 *       {@code adapter_model.safetensors}), its optimizer state and {@code trainer_state.json}; the final
 *       {@code model/} holds the adapter plus the base's {@code config.json}, tokenizer and generation config, with
 *       {@code base_model_name_or_path} the absolute base directory, so that {@link LlamaModel#load} (and PEFT) load
 *       base + adapter from it. {@link MergedExport} writes the merged weights as a plain model.
 *   <li>Full: checkpoints hold all weights in F32 with the optimizer state; the final {@code model/} holds the
 *       weights in the base's own files and dtypes (shards, bf16, …) with the base's config and tokenizer.
 * </ul>
 *
 * <p>Safeguards ({@link TrainingRequest#safeguards()}, a {@link SafeguardSet}) act at four points and nowhere else:
 * the training examples (rewritten and added to before rendering; validation untouched), the training step's forward
 * options (steering, ablation), one shared frozen reference pass and the extra loss terms. Their telemetry rides on
 * {@link StepMetrics#safeguards()} and is stored in every checkpoint ({@link SafeguardTelemetryLog}).
 *
 * <p>Runs on the calling thread, on the GPU when the engine sees one and on the CPU otherwise, in fp32. Each step
 * runs inside its own {@link NDScope}, so memory stays flat however long the run. The PyTorch engine allows one
 * {@link GradientCollector} per process at a time, so a JVM trains one job at a time.
 */
public final class FineTuner {

    /** Sub-directory of the work directory holding {@code step-N} checkpoints. */
    public static final String CHECKPOINTS_DIR = "checkpoints";
    /** Sub-directory of the work directory holding the final model. */
    public static final String MODEL_DIR = "model";

    private static final Logger log = LoggerFactory.getLogger(FineTuner.class);

    private final AdamW.Options optimizerOptions;
    private final MaskedCrossEntropy crossEntropy = new MaskedCrossEntropy();

    /** A fine-tuner with {@link AdamW.Options#DEFAULTS}. */
    public FineTuner() {
        this(AdamW.Options.DEFAULTS);
    }

    public FineTuner(AdamW.Options optimizerOptions) {
        this.optimizerOptions = optimizerOptions;
    }

    /** {@code checkpoints/step-N}: the directory name of the checkpoint after step {@code step}. */
    public static String checkpointName(int step) {
        return "step-" + step;
    }

    /**
     * Trains to the end (or resumes and trains to the end), writing checkpoints on the way and the final model at
     * {@code workDir/model}.
     *
     * @throws TrainingStoppedException when the listener asked to stop
     * @throws IllegalArgumentException for unusable input: no trainable example, a tokenizer that does not fit
     *     the model, a checkpoint of another run
     * @throws IllegalStateException when the loss or the gradient stops being finite
     */
    public TrainingResult train(TrainingRequest request, TrainingListener listener) throws IOException {
        Hyperparameters hp = request.hp();
        ModelConfig config = ModelConfig.read(request.baseModelDir());
        // The model cannot attend further than its position table, whatever the platform default asks for.
        int maxSeqLen = Math.min(request.maxSeqLen(), config.maxPositionEmbeddings());
        Path checkpoints = request.workDir().resolve(CHECKPOINTS_DIR);
        ModelDirectories.deleteLeftovers(checkpoints);
        ModelDirectories.deleteLeftovers(request.workDir());

        try (ChatTokenizer tokenizer = ChatTokenizer.load(request.baseModelDir())) {
            if (tokenizer.vocabSize() > config.vocabSize()) {
                throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize()
                        + " tokens but the model's vocab_size is " + config.vocabSize());
            }
            ChatRenderer renderer = new ChatRenderer(tokenizer, maxSeqLen);
            GradMode.disableOnThisThread();
            GuardContext context = request.safeguards().context(request.baseModelDir(), maxSeqLen);
            SafeguardSet guards = SafeguardSet.build(request.safeguards().safeguards(), context);
            if (guards.referenceNeeds().any() && request.lora().isEmpty()) {
                throw new IllegalArgumentException("safeguards that compare with the reference model (KL, feature L2)"
                        + " need a LoRA fine-tune: the reference is the base with the adapter switched off");
            }
            List<RenderedExample> training = renderer.renderAll(guards.trainingSet(request.training(), request.seed()));
            if (training.isEmpty()) {
                throw new IllegalArgumentException(
                        "no training example has a trained assistant token within " + maxSeqLen + " tokens");
            }
            List<RenderedExample> validation = renderer.renderAll(request.validation());
            if (training.size() < request.training().size()
                    || validation.size() < request.validation().size()) {
                log.warn(
                        "{} of {} training and {} of {} validation examples have no trained assistant token within {}"
                                + " tokens and are left out",
                        request.training().size() - training.size(),
                        request.training().size(),
                        request.validation().size() - validation.size(),
                        request.validation().size(),
                        maxSeqLen);
            }
            BatchPlan plan = new BatchPlan(training.size(), hp.batchSize(), hp.nEpochs(), request.seed());
            LearningRateSchedule schedule = LearningRateSchedule.warmupCosine(
                    config.baseLearningRate() * hp.learningRateMultiplier(), plan.totalSteps());

            TrainingProbe probe = ProbeBatch.forRun(request, renderer, validation, context, tokenizer.padId());
            Run run =
                    new Run(request, listener, tokenizer.padId(), training, validation, plan, schedule, guards, probe);
            try (NDManager root = NDManager.newBaseManager(device())) {
                return run.execute(root);
            }
        }
    }

    /**
     * The forward and backward pass of one training step, inside the caller's {@link NDScope}: the {@code objective}'s
     * loss of {@code tokens}, with its gradient accumulated into the trainable parameters.
     *
     * @return the loss
     */
    static float backward(LlamaModel model, TokenObjective objective, NDArray tokens, NDArray lossMask) {
        try (GradientCollector collector = model.manager().getEngine().newGradientCollector()) {
            NDArray logits =
                    model.forward(tokens, ForwardOptions.trainingStep()).logits();
            NDArray loss = objective.loss(logits, tokens, lossMask);
            collector.backward(loss);
            return loss.getFloat();
        }
    }

    /**
     * {@link #backward} with safeguards: the frozen reference pass first (autograd not recording, only when a
     * safeguard asked for it), then the trained pass with the safeguards' options and the loss {@code L_task + Σ terms}
     * back-propagated.
     */
    static LossBreakdown backward(
            LlamaModel model, TokenObjective objective, SafeguardSet guards, PaddedBatch batch, NDList arrays) {
        NDArray tokens = arrays.get(0);
        ReferencePass reference = guards.referencePass(model, tokens, arrays.get(1));
        NDArray tokenMask = guards.isEmpty() ? null : batch.tokenMask(model.manager());
        try (GradientCollector collector = model.manager().getEngine().newGradientCollector()) {
            StepLoss loss = guards.loss(model, objective, tokens, arrays.get(1), tokenMask, reference);
            collector.backward(loss.total());
            return loss.values();
        }
    }

    /** What one {@link #optimizerStep} did: the task loss, the gradient norm, and the loss by part. */
    record StepOutcome(float loss, double gradNorm, LossBreakdown parts) {}

    /**
     * One optimizer step on {@code batch}, shared with {@link BatchStreamTrainer}: the forward and backward pass of
     * {@code objective} inside the step's own {@link NDScope}, then {@code optimizer} at {@code learningRate}.
     *
     * @throws IllegalStateException when the loss is not finite (the optimizer is not stepped)
     */
    static StepOutcome optimizerStep(
            LlamaModel model,
            TokenObjective objective,
            AdamW optimizer,
            PaddedBatch batch,
            double learningRate,
            int step) {
        return optimizerStep(model, objective, SafeguardSet.NONE, optimizer, batch, learningRate, step);
    }

    /** {@link #optimizerStep} with safeguards: the loss is {@code L_task + Σ terms}. */
    static StepOutcome optimizerStep(
            LlamaModel model,
            TokenObjective objective,
            SafeguardSet guards,
            AdamW optimizer,
            PaddedBatch batch,
            double learningRate,
            int step) {
        try (NDScope scope = new NDScope()) {
            NDList arrays = batch.toArrays(model.manager());
            LossBreakdown parts = backward(model, objective, guards, batch, arrays);
            if (!Double.isFinite(parts.total())) {
                throw new IllegalStateException(
                        "training diverged: loss " + parts.total() + " (" + parts + ") at step " + step);
            }
            return new StepOutcome((float) parts.task(), optimizer.step(learningRate), parts);
        }
    }

    /** Whether {@code checkpoint} holds a LoRA adapter rather than full weights. */
    static boolean isAdapterCheckpoint(Path checkpoint) {
        return Files.isRegularFile(checkpoint.resolve(LoraConfig.CONFIG_FILE));
    }

    /** The GPU when the engine sees one, else the CPU. */
    public static Device device() {
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /** The state of one {@link #train} call. */
    private final class Run {
        private final TrainingRequest request;
        private final TrainingListener listener;
        private final int padId;
        private final List<RenderedExample> training;
        private final List<RenderedExample> validation;
        private final BatchPlan plan;
        private final LearningRateSchedule schedule;
        private final SafeguardSet guards;
        private final TrainingProbe probe;
        private SafeguardTelemetryLog telemetry = new SafeguardTelemetryLog();
        private ProbeReading lastProbe;
        private int lastProbeStep;

        private long trainedTokens;
        private double firstTrainLoss = Double.NaN;
        private StepMetrics last;

        Run(
                TrainingRequest request,
                TrainingListener listener,
                int padId,
                List<RenderedExample> training,
                List<RenderedExample> validation,
                BatchPlan plan,
                LearningRateSchedule schedule,
                SafeguardSet guards,
                TrainingProbe probe) {
            this.request = request;
            this.listener = listener;
            this.padId = padId;
            this.training = training;
            this.validation = validation;
            this.plan = plan;
            this.schedule = schedule;
            this.guards = guards;
            this.probe = probe;
        }

        TrainingResult execute(NDManager root) throws IOException {
            Optional<LoraConfig> lora = request.lora();
            Optional<Path> resumeFrom = request.resumeFrom();
            if (resumeFrom.isPresent() && isAdapterCheckpoint(resumeFrom.get()) != lora.isPresent()) {
                throw new IllegalArgumentException("checkpoint " + resumeFrom.get() + " belongs to a "
                        + (lora.isPresent() ? "full" : "LoRA") + " fine-tune, this one is "
                        + (lora.isPresent() ? "LoRA" : "full"));
            }
            // A full fine-tune resumes from the checkpoint's weights; LoRA from the base plus the checkpoint's adapter.
            Path weights = lora.isEmpty() && resumeFrom.isPresent() ? resumeFrom.get() : request.baseModelDir();
            try (LlamaModel model = LlamaModel.load(weights, root)) {
                if (lora.isPresent()) {
                    if (resumeFrom.isPresent()) {
                        model.loadAdapter(resumeFrom.get());
                    } else {
                        model.addAdapter(lora.get(), request.seed());
                    }
                }
                try (AdamW optimizer = new AdamW(model.trainableParameters(), optimizerOptions, root)) {
                    return train(model, optimizer);
                }
            }
        }

        private TrainingResult train(LlamaModel model, AdamW optimizer) throws IOException {
            int firstStep = 1;
            if (request.resumeFrom().isPresent()) {
                firstStep = resume(request.resumeFrom().get(), model, optimizer) + 1;
            }
            int epoch = -1;
            int[] order = null;
            for (int step = firstStep; step <= plan.totalSteps(); step++) {
                if (listener.shouldStop()) {
                    throw new TrainingStoppedException(step - 1);
                }
                if (plan.epochOf(step) != epoch) {
                    epoch = plan.epochOf(step);
                    order = plan.order(epoch);
                }
                last = trainStep(model, optimizer, step, epoch, order);
                boolean checkpoint = isCheckpointStep(step);
                if (checkpoint && !validation.isEmpty()) {
                    last = last.withValidLoss(validationLoss(model));
                }
                listener.onStep(last);
                if (checkpoint) {
                    Path dir = writeCheckpoint(model, optimizer);
                    listener.onCheckpoint(step, dir, last);
                }
            }
            Double finalValidLoss = last.validLoss();
            if (finalValidLoss == null && !validation.isEmpty()) {
                // Resumed from the last step's checkpoint written before validation existed in it.
                finalValidLoss = validationLoss(model);
            }
            Path modelDir = ModelDirectories.publish(request.workDir(), MODEL_DIR, dir -> {
                ModelDirectories.copyModelFiles(request.baseModelDir(), dir);
                if (model.adapterConfig().isPresent()) {
                    model.saveAdapter(dir, baseModelReference());
                } else {
                    model.writeWeights(dir);
                }
            });
            return new TrainingResult(
                    plan.totalSteps(), trainedTokens, firstTrainLoss, last.trainLoss(), finalValidLoss, modelDir);
        }

        /**
         * Every {@code checkpointEverySteps} steps, and at the end of every epoch (so also the last step): a customer
         * chooses among epoch ends as among OpenAI's per-epoch checkpoints, and a job shorter than the interval still
         * has one. Validation loss is measured at the same steps.
         */
        private boolean isCheckpointStep(int step) {
            int every = request.checkpointEverySteps();
            return plan.endsEpoch(step) || (every > 0 && step % every == 0);
        }

        /** Where adapters say their base is: the absolute base directory, so they load from anywhere here. */
        private String baseModelReference() {
            return request.baseModelDir().toAbsolutePath().normalize().toString();
        }

        /** Restores optimizer and loop state; the weights (or the adapter) were loaded from the checkpoint already. */
        private int resume(Path checkpoint, LlamaModel model, AdamW optimizer) throws IOException {
            TrainerState state = TrainerState.read(checkpoint);
            state.requireSameRun(plan, checkpoint);
            ModelConfig base = ModelConfig.read(request.baseModelDir());
            if (!base.equals(model.config())) {
                throw new IllegalArgumentException("checkpoint " + checkpoint + " is of another model");
            }
            if (!model.adapterConfig().equals(request.lora())) {
                throw new IllegalArgumentException("checkpoint " + checkpoint + " holds a LoRA adapter "
                        + model.adapterConfig().orElseThrow() + ", this run asks for "
                        + request.lora().orElseThrow());
            }
            optimizer.load(checkpoint.resolve(AdamW.STATE_FILE));
            if (optimizer.stepCount() != state.step()) {
                throw new IllegalArgumentException("checkpoint " + checkpoint + " holds optimizer state of step "
                        + optimizer.stepCount() + " but trainer state of step " + state.step());
            }
            telemetry = SafeguardTelemetryLog.read(checkpoint);
            trainedTokens = state.trainedTokens();
            firstTrainLoss = state.firstTrainLoss();
            last = state.metrics();
            return state.step();
        }

        private StepMetrics trainStep(LlamaModel model, AdamW optimizer, int step, int epoch, int[] order) {
            List<RenderedExample> examples = new ArrayList<>();
            for (int index : plan.batch(step, order)) {
                examples.add(training.get(index));
            }
            PaddedBatch batch = PaddedBatch.of(examples, padId);
            double learningRate = schedule.at(step);
            long started = System.nanoTime();
            if (model.adapterConfig().map(c -> c.dropout() > 0).orElse(false)) {
                // Dropout masks depend only on (seed, step), so that a resumed run draws the same ones.
                Engine.getInstance().setRandomSeed((int) (plan.seed() * 1_000_003L + step));
            }
            StepOutcome outcome =
                    optimizerStep(model, crossEntropy::nextTokenLoss, guards, optimizer, batch, learningRate, step);
            float loss = outcome.loss();
            double gradNorm = outcome.gradNorm();
            double millis = (System.nanoTime() - started) / 1e6;
            trainedTokens += batch.realTokens();
            if (step == 1) {
                firstTrainLoss = loss;
            }
            StepTelemetry safeguards = telemetry(model, step, outcome.parts(), batch.realTokens() / (millis / 1000));
            return new StepMetrics(
                    step,
                    plan.totalSteps(),
                    epoch,
                    loss,
                    null,
                    batch.realTokens() / (millis / 1000),
                    millis,
                    batch.realTokens(),
                    trainedTokens,
                    learningRate,
                    gradNorm,
                    safeguards);
        }

        /** The step's safeguard telemetry (null for a run without safeguards or probe); the probe when it is due. */
        private StepTelemetry telemetry(LlamaModel model, int step, LossBreakdown parts, double tokensPerSecond) {
            if (guards.isEmpty() && probe == null) {
                return null;
            }
            boolean due =
                    probe != null && (request.safeguards().probesAt(step, plan.totalSteps()) || isCheckpointStep(step));
            if (due) {
                lastProbe = probe.read(model);
                lastProbeStep = step;
            }
            StepTelemetry out = new StepTelemetry(step, parts, lastProbe, lastProbeStep, tokensPerSecond);
            telemetry.add(out);
            return out;
        }

        /** Mean masked cross-entropy over all validation tokens (not a mean of batch means); no gradients. */
        private double validationLoss(LlamaModel model) {
            double sum = 0;
            double count = 0;
            int batchSize = plan.batchSize();
            for (int from = 0; from < validation.size(); from += batchSize) {
                PaddedBatch batch =
                        PaddedBatch.of(validation.subList(from, Math.min(from + batchSize, validation.size())), padId);
                try (NDScope scope = new NDScope()) {
                    NDList arrays = batch.toArrays(model.manager());
                    NDArray tokens = arrays.get(0);
                    NDList sums = crossEntropy.nextTokenSums(model.forward(tokens), tokens, arrays.get(1));
                    sum += sums.get(0).getFloat();
                    count += sums.get(1).getFloat();
                }
            }
            return count == 0 ? Double.NaN : sum / count;
        }

        private Path writeCheckpoint(LlamaModel model, AdamW optimizer) throws IOException {
            TrainerState state = new TrainerState(
                    last.step(),
                    plan.totalSteps(),
                    last.epoch(),
                    plan.seed(),
                    plan.batchSize(),
                    plan.exampleCount(),
                    trainedTokens,
                    firstTrainLoss,
                    last);
            Path checkpoints = request.workDir().resolve(CHECKPOINTS_DIR);
            return ModelDirectories.publish(checkpoints, checkpointName(last.step()), dir -> {
                ModelDirectories.copyModelFiles(request.baseModelDir(), dir);
                if (model.adapterConfig().isPresent()) {
                    model.saveAdapter(dir, baseModelReference());
                } else {
                    model.saveWeights(dir.resolve(LlamaModel.WEIGHTS_FILE));
                }
                optimizer.save(dir.resolve(AdamW.STATE_FILE));
                state.write(dir);
                if (!telemetry.isEmpty()) {
                    telemetry.write(dir);
                }
            });
        }
    }
}
