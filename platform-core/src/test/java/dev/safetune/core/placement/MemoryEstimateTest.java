package dev.safetune.core.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.core.model.ModelShape;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class MemoryEstimateTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Qwen2.5-0.5B's sizes, as its config.json gives them. */
    private static final ModelShape QWEN25_05B = ModelShape.fromConfig(JSON.readTree("""
            {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
             "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
             "num_key_value_heads": 2, "vocab_size": 151936, "tie_word_embeddings": true,
             "max_position_embeddings": 32768}
            """));

    @Test
    void loraTrainsTheAdapterPeftCountsForAllLinearLayers() {
        MemoryEstimate estimate = MemoryEstimate.of(QWEN25_05B, TrainingPlan.lora(16, 8, 256));

        // PEFT's print_trainable_parameters for r=16 on all seven projections of Qwen2.5-0.5B: 8,798,208.
        assertThat(estimate.gradients()).isEqualTo(4L * 8_798_208);
        assertThat(estimate.optimizerState()).isEqualTo(8L * 8_798_208);
        assertThat(estimate.weights()).isEqualTo(4L * 494_032_768);
    }

    @Test
    void fullFineTuneTrainsEveryParameter() {
        MemoryEstimate estimate = MemoryEstimate.of(QWEN25_05B, TrainingPlan.full(8, 256));

        assertThat(estimate.gradients()).isEqualTo(4L * 494_032_768);
        assertThat(estimate.optimizerState()).isEqualTo(8L * 494_032_768);
    }

    @Test
    void optimizerStepNeedsSixTemporariesOfTheLargestParameterOnly() {
        // Few tokens, so that AdamW's step outweighs the backward pass: its updates run one parameter at a time, so
        // its temporaries are six arrays of the largest tensor, the 151,936 × 896 embeddings, not of all parameters.
        MemoryEstimate estimate = MemoryEstimate.of(QWEN25_05B, TrainingPlan.full(1, 16));

        assertThat(estimate.temporaries()).isEqualTo(24L * 151_936 * 896);
    }

    @Test
    void aSmallAdapterIsUpdatedAsOneFlatArrayWithSevenTemporariesOfItAll() {
        // Rank 4 on all seven projections: 24 · 4 · (7·896 + 2·896 + 2·128 + 3·4,864) = 2,199,552 elements, under
        // FLAT_OPTIMIZER_ELEMENTS; two tokens per step, so that the optimizer step outweighs the backward pass.
        MemoryEstimate estimate = MemoryEstimate.of(QWEN25_05B, TrainingPlan.lora(4, 1, 2));

        assertThat(2_199_552L).isLessThanOrEqualTo(MemoryEstimate.FLAT_OPTIMIZER_ELEMENTS);
        assertThat(estimate.gradients()).isEqualTo(4L * 2_199_552);
        assertThat(estimate.temporaries()).isEqualTo(28L * 2_199_552);
    }

    @Test
    void fullFineTuneKeepsTheAssembledFusedWeightsOfEveryLayer() {
        long full = MemoryEstimate.of(QWEN25_05B, TrainingPlan.full(1, 16)).activations();
        long perLayerAndToken = 6 * 896 + 4 * 896 + 4 * 128 + 5 * 4864 + 14 * 16;
        long perToken = 24 * perLayerAndToken + 4 * 896 + 2 * 151_936;

        // Per layer the q,k,v rows (896 + 2 × 128) and the gate,up rows (2 × 4,864), of 896 inputs each, 4 bytes.
        assertThat(full - 4L * 16 * perToken).isEqualTo(4L * 24 * 896 * (896 + 2 * 128 + 2 * 4864));
    }

    @Test
    void totalIsTheSumOfTheParts() {
        MemoryEstimate e =
                MemoryEstimate.of(QWEN25_05B, TrainingPlan.lora(16, 8, 256).withReferencePass());

        assertThat(e.total())
                .isEqualTo(e.weights()
                        + e.gradients()
                        + e.optimizerState()
                        + e.activations()
                        + e.temporaries()
                        + e.referencePass()
                        + e.allocatorSlack()
                        + e.runtimeOverhead());
    }

    @Test
    void activationsGrowWithTheTokensPerStep() {
        MemoryEstimate small = MemoryEstimate.of(QWEN25_05B, TrainingPlan.lora(16, 4, 256));
        MemoryEstimate twice = MemoryEstimate.of(QWEN25_05B, TrainingPlan.lora(16, 8, 256));

        assertThat(twice.activations()).isEqualTo(2 * small.activations());
        assertThat(twice.weights()).isEqualTo(small.weights());
    }

    @Test
    void logitsAndLogProbabilitiesAreKeptAtVocabularySize() {
        ModelShape largerVocabulary = ModelShape.fromJson(QWEN25_05B.toJson().put("vocab_size", 151_936 + 1000));

        long extra = MemoryEstimate.of(largerVocabulary, TrainingPlan.lora(16, 8, 256))
                        .activations()
                - MemoryEstimate.of(QWEN25_05B, TrainingPlan.lora(16, 8, 256)).activations();

        // 2,048 tokens × 1,000 more logits and log-probabilities × 4 bytes.
        assertThat(extra).isEqualTo(2L * 2048 * 1000 * 4);
    }

    @Test
    void sequenceLengthIsCappedAtTheContextLength() {
        ModelShape shortContext = ModelShape.fromJson(QWEN25_05B.toJson().put("max_position_embeddings", 128));

        assertThat(MemoryEstimate.of(shortContext, TrainingPlan.lora(16, 8, 4096)))
                .isEqualTo(MemoryEstimate.of(shortContext, TrainingPlan.lora(16, 8, 128)));
    }

    @Test
    void referencePassAddsItsVocabularySizedArrays() {
        MemoryEstimate without = MemoryEstimate.of(QWEN25_05B, TrainingPlan.lora(16, 8, 256));
        MemoryEstimate with =
                MemoryEstimate.of(QWEN25_05B, TrainingPlan.lora(16, 8, 256).withReferencePass());

        assertThat(without.referencePass()).isZero();
        assertThat(with.activations()).isEqualTo(without.activations());
        assertThat(with.total() - without.total())
                .isEqualTo(with.referencePass() + with.allocatorSlack() - without.allocatorSlack());
        assertThat(with.referencePass()).isGreaterThan(4L * 8 * 256 * 151_936 * 4);
    }

    @Test
    void modelDeclaringFullFineTuningGetsAFullPlan() {
        ModelShape declared = ModelShape.fromJson(QWEN25_05B.toJson().put("safetune_fine_tuning_method", "full"));

        assertThat(TrainingPlan.defaultFor(declared, 8, 256)).isEqualTo(TrainingPlan.full(8, 256));
        assertThat(TrainingPlan.defaultFor(QWEN25_05B, 8, 256))
                .isEqualTo(TrainingPlan.lora(TrainingPlan.DEFAULT_LORA_RANK, 8, 256));
    }

    @Test
    void badPlanIsRefusedNamingTheField() {
        assertThatThrownBy(() -> TrainingPlan.lora(16, 0, 256))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batch_size must be positive, got 0");
    }
}
