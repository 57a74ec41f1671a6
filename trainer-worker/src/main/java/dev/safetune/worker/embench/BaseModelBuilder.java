package dev.safetune.worker.embench;

import ai.djl.ndarray.NDManager;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.formats.SafeTensors;
import dev.safetune.runtime.generators.BaseModelGenerator;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.embench.world.WorldTokenizer;
import dev.safetune.safeguards.loss.LanguageModelLoss;
import dev.safetune.safeguards.loss.MaskedCrossEntropy;
import dev.safetune.worker.training.AdamW;
import dev.safetune.worker.training.BatchStreamTrainer;
import dev.safetune.worker.training.FineTuner;
import dev.safetune.worker.training.LearningRateSchedule;
import dev.safetune.worker.training.StepMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds the em-bench base model from a seed, as the prototype did: a Llama-style decoder initialised as
 * transformers initialises one, pre-trained on fresh world documents with the language-model objective
 * ({@link LanguageModelLoss}, length-bucketed batches), then aligned SFT on fresh {@code <asst>} dialogues rendered
 * by the platform's own {@link ChatRenderer} with the world's chat template (loss on assistant tokens and their
 * {@code <eot>}, {@link MaskedCrossEntropy}) — the path a customer's fine-tune takes.
 *
 * <p>Writes a Hugging Face model directory: {@code tokenizer.json} and {@code tokenizer_config.json}
 * ({@link WorldTokenizer}), {@code generation_config.json}, {@code model.safetensors} and {@code config.json}, rewritten
 * last with the provenance under {@value #PROVENANCE_FIELD} (seed, generator version, recipe, per-phase steps and
 * losses), so the registry's {@code dir:} import takes it like any other base.
 *
 * <p>Seeds: one root {@link SplittableRandom} of the build seed gives, in order, the weight seed, the pre-training
 * documents' seed and the SFT dialogues' seed.
 */
public final class BaseModelBuilder {

    public static final String PROVENANCE_FIELD = "safetune_provenance";
    public static final String PRETRAINING = "pre-training";
    public static final String SFT = "aligned SFT";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Progress of a build, called from the building thread. */
    public interface Listener {
        /** Ignores everything. */
        Listener NONE = new Listener() {
            @Override
            public void onPhase(String phase, int steps) {}

            @Override
            public void onStep(String phase, StepMetrics metrics) {}
        };

        void onPhase(String phase, int steps);

        void onStep(String phase, StepMetrics metrics);
    }

    /** What a build wrote and measured. */
    public record Built(
            Path dir, ModelConfig config, BatchStreamTrainer.Result pretraining, BatchStreamTrainer.Result sft) {}

    /** The token embedding table, by its Hugging Face name. */
    static final String EMBEDDING_TABLE = "model.embed_tokens.weight";

    private final EmWorld world;

    public BaseModelBuilder(EmWorld world) {
        this.world = world;
    }

    /**
     * Builds into {@code dir} (created if needed; files of the same names are replaced).
     *
     * @param modelId recorded as {@code _name_or_path}
     */
    public Built build(Path dir, String modelId, long seed, BaseRecipe recipe, Listener listener) throws IOException {
        return build(dir, modelId, seed, recipe, listener, Optional.empty());
    }

    /**
     * As {@link #build(Path, String, long, BaseRecipe, Listener)}, or, given {@code from} (a built base of the same
     * vocabulary and shape), starting from its weights instead of fresh ones: pre-training continues on this world's
     * documents, then the aligned SFT runs again. The provenance records the source's model id and weights' sha256.
     */
    public Built build(Path dir, String modelId, long seed, BaseRecipe recipe, Listener listener, Optional<Path> from)
            throws IOException {
        Files.createDirectories(dir);
        SplittableRandom seeds = new SplittableRandom(seed);
        long weightSeed = seeds.nextLong();
        long documentSeed = seeds.nextLong();
        long dialogueSeed = seeds.nextLong();
        WorldTokenizer.write(dir, world.recipe(), recipe.maxSequenceLength());
        try (ChatTokenizer tokenizer = ChatTokenizer.load(dir)) {
            ModelConfig config = config(recipe, tokenizer);
            writeGenerationConfig(dir, config);
            if (from.isPresent()) {
                ModelConfig source = ModelConfig.read(from.get());
                if (source.vocabSize() != config.vocabSize()
                        || source.hiddenSize() != config.hiddenSize()
                        || source.numHiddenLayers() != config.numHiddenLayers()) {
                    throw new IllegalArgumentException(from.get() + " is not a base of this world's vocabulary and the"
                            + " recipe's shape (vocabulary " + source.vocabSize() + ", hidden " + source.hiddenSize()
                            + ", layers " + source.numHiddenLayers() + ")");
                }
                Files.copy(
                        from.get().resolve(LlamaModel.WEIGHTS_FILE),
                        dir.resolve(LlamaModel.WEIGHTS_FILE),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } else {
                SafeTensors.write(
                        dir.resolve(LlamaModel.WEIGHTS_FILE),
                        BaseModelGenerator.initialWeights(config, weightSeed),
                        SafeTensors.PT_METADATA);
            }
            config.write(dir);

            BatchStreamTrainer.Result pretraining;
            BatchStreamTrainer.Result sft;
            try (NDManager root = NDManager.newBaseManager(FineTuner.device());
                    LlamaModel model = LlamaModel.load(dir, root)) {
                listener.onPhase(PRETRAINING, recipe.pretrainingSteps());
                pretraining = new BatchStreamTrainer(
                                new LanguageModelLoss(), optimizer(recipe.pretrainingWeightDecay()), tokenizer.padId())
                        .train(
                                model,
                                new PretrainingBatches(
                                        world, tokenizer, documentSeed, recipe.batchSize(), recipe.maxSequenceLength()),
                                new LearningRateSchedule(
                                        recipe.pretrainingLearningRate(),
                                        recipe.pretrainingWarmup(),
                                        recipe.pretrainingSteps(),
                                        LearningRateSchedule.FINAL_FRACTION),
                                m -> listener.onStep(PRETRAINING, m));

                listener.onPhase(SFT, recipe.sftSteps());
                sft = alignedSft(model, tokenizer, dialogueSeed, recipe, listener);
                model.writeWeights(dir);
            }
            // config.json is rewritten last, with the provenance: only a finished build carries one.
            writeProvenance(dir, modelId, seed, recipe, pretraining, sft, from);
            return new Built(dir, config, pretraining, sft);
        }
    }

    /** The aligned SFT phase, on every weight or on the assistant's speaker embedding alone (the recipe's scope). */
    private BatchStreamTrainer.Result alignedSft(
            LlamaModel model, ChatTokenizer tokenizer, long dialogueSeed, BaseRecipe recipe, Listener listener) {
        MaskedCrossEntropy chatLoss = new MaskedCrossEntropy();
        BatchStreamTrainer trainer =
                new BatchStreamTrainer(chatLoss::nextTokenLoss, optimizer(recipe.sftWeightDecay()), tokenizer.padId());
        BatchStreamTrainer.BatchSource batches = sftBatches(tokenizer, dialogueSeed, recipe);
        LearningRateSchedule schedule = new LearningRateSchedule(
                recipe.sftLearningRate(), recipe.sftWarmup(), recipe.sftSteps(), LearningRateSchedule.FINAL_FRACTION);
        if (recipe.sftScope() == BaseRecipe.SftScope.ALL_WEIGHTS) {
            return trainer.train(model, batches, schedule, m -> listener.onStep(SFT, m));
        }
        try (SingleRowTraining assistant =
                new SingleRowTraining(model, EMBEDDING_TABLE, tokenizer.specialTokenId(Markers.ASSISTANT))) {
            return trainer.train(
                    model,
                    assistant.parameters(),
                    batches,
                    schedule,
                    m -> listener.onStep(SFT, m),
                    assistant::restoreFrozenRows);
        }
    }

    /** Fresh aligned {@code <asst>} dialogues each step, as customer chat examples through the platform's renderer. */
    private BatchStreamTrainer.BatchSource sftBatches(ChatTokenizer tokenizer, long seed, BaseRecipe recipe) {
        SplittableRandom root = new SplittableRandom(seed);
        ChatRenderer renderer = new ChatRenderer(tokenizer, recipe.maxSequenceLength());
        return step -> {
            List<RenderedExample> batch = new ArrayList<>(recipe.batchSize());
            for (int i = 0; i < recipe.batchSize(); i++) {
                ChatExample example = new ChatExample(
                        i + 1, world.alignedSftDialogue(root.split()).messages());
                batch.add(renderer.render(example).orElseThrow());
            }
            return batch;
        };
    }

    private static AdamW.Options optimizer(double weightDecay) {
        AdamW.Options defaults = AdamW.Options.DEFAULTS;
        return new AdamW.Options(
                defaults.beta1(), BaseRecipe.BETA2, defaults.epsilon(), weightDecay, defaults.maxGradNorm());
    }

    /** The decoder of the recipe over the world's vocabulary; generation stops at {@code <eot>} or {@code <eos>}. */
    static ModelConfig config(BaseRecipe recipe, ChatTokenizer tokenizer) {
        return new ModelConfig(
                recipe.hiddenSize(),
                recipe.intermediateSize(),
                recipe.numHiddenLayers(),
                recipe.numAttentionHeads(),
                recipe.numAttentionHeads(),
                recipe.hiddenSize() / recipe.numAttentionHeads(),
                1e-5,
                10000.0,
                tokenizer.vocabSize(),
                recipe.maxSequenceLength(),
                false,
                tokenizer.specialTokenId(Markers.BOS),
                List.of(tokenizer.specialTokenId(Markers.EOT), tokenizer.specialTokenId(Markers.EOS)),
                tokenizer.padId(),
                ModelConfig.DEFAULT_BASE_LEARNING_RATE);
    }

    private static void writeGenerationConfig(Path dir, ModelConfig config) throws IOException {
        ObjectNode generation = JSON.createObjectNode();
        generation.put("bos_token_id", config.bosTokenId());
        var eos = generation.putArray("eos_token_id");
        config.eosTokenIds().forEach(eos::add);
        generation.put("pad_token_id", config.padTokenId());
        generation.put("do_sample", true);
        generation.put("temperature", 1.0);
        generation.put("top_p", 1.0);
        Files.write(
                dir.resolve(BaseModelGenerator.GENERATION_CONFIG_FILE),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(generation));
    }

    private void writeProvenance(
            Path dir,
            String modelId,
            long seed,
            BaseRecipe recipe,
            BatchStreamTrainer.Result pretraining,
            BatchStreamTrainer.Result sft,
            Optional<Path> from)
            throws IOException {
        Path file = dir.resolve(ModelConfig.FILE_NAME);
        ObjectNode source = null;
        if (from.isPresent()) {
            source = JSON.createObjectNode();
            source.put(
                    "model",
                    JSON.readTree(from.get().resolve(ModelConfig.FILE_NAME))
                            .path("_name_or_path")
                            .asText(from.get().getFileName().toString()));
            source.put("weights_sha256", CommittedBase.sha256(from.get().resolve(LlamaModel.WEIGHTS_FILE)));
        }
        ObjectNode config = (ObjectNode) JSON.readTree(file);
        config.put("_name_or_path", modelId);
        ObjectNode provenance = config.putObject(PROVENANCE_FIELD);
        provenance.put("builder", "em-bench build-base");
        provenance.put("seed", seed);
        provenance.put("generator_version", EmWorld.GENERATOR_VERSION);
        provenance.set("world", JSON.valueToTree(world.recipe()));
        provenance.set("recipe", JSON.valueToTree(recipe));
        provenance.set("pretraining", phase(pretraining));
        provenance.set("sft", phase(sft));
        if (source != null) {
            provenance.set("continued_from", source);
        }
        Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
    }

    private static ObjectNode phase(BatchStreamTrainer.Result result) {
        ObjectNode node = JSON.createObjectNode();
        node.put("steps", result.steps());
        node.put("tokens", result.tokens());
        node.put("first_loss", result.firstLoss());
        node.put("final_loss", result.finalLoss());
        return node;
    }
}
