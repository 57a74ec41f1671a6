package dev.safetune.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ModelShapeTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Qwen2.5-0.5B's published config.json, fields the shape does not use included. */
    private static final String QWEN25_05B = """
            {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
             "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
             "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 24,
             "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
             "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "transformers_version": "4.40.1", "use_cache": true,
             "use_sliding_window": false, "vocab_size": 151936}
            """;

    /** Llama-3.2-1B's published config.json. */
    private static final String LLAMA32_1B = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 128000, "eos_token_id": 128001, "head_dim": 64, "hidden_act": "silu",
             "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192,
             "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
             "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8, "pretraining_tp": 1,
             "rms_norm_eps": 1e-05, "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0,
             "low_freq_factor": 1.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 128256}
            """;

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    @Test
    void qwen25HasThePublishedParameterCount() {
        ModelShape shape = ModelShape.fromConfig(json(QWEN25_05B));

        assertThat(shape.architecture()).isEqualTo("Qwen2ForCausalLM");
        assertThat(shape.family()).isEqualTo("qwen2");
        assertThat(shape.headDim()).isEqualTo(64);
        assertThat(shape.qkvBias()).isTrue();
        assertThat(shape.outputBias()).isFalse();
        assertThat(shape.maxPositionEmbeddings()).isEqualTo(32768);
        // The count safetensors reports for Qwen/Qwen2.5-0.5B on the Hub.
        assertThat(shape.parameterCount()).isEqualTo(494_032_768L);
    }

    @Test
    void llama32HasThePublishedParameterCount() {
        ModelShape shape = ModelShape.fromConfig(json(LLAMA32_1B));

        assertThat(shape.numKeyValueHeads()).isEqualTo(8);
        assertThat(shape.qkvBias()).isFalse();
        assertThat(shape.tieWordEmbeddings()).isTrue();
        // The count safetensors reports for meta-llama/Llama-3.2-1B on the Hub.
        assertThat(shape.parameterCount()).isEqualTo(1_235_814_400L);
    }

    @Test
    void missingOptionalFieldsTakeTransformersDefaults() {
        ModelShape shape = ModelShape.fromConfig(json("""
                {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "vocab_size": 100}
                """));

        assertThat(shape.architecture()).isNull();
        assertThat(shape.family()).isNull();
        assertThat(shape.numKeyValueHeads()).isEqualTo(4);
        assertThat(shape.headDim()).isEqualTo(16);
        assertThat(shape.tieWordEmbeddings()).isFalse();
        assertThat(shape.maxPositionEmbeddings()).isNull();
        assertThat(shape.fineTuningMethod()).isNull();
        assertThat(shape.declaresFullFineTuning()).isFalse();
    }

    @Test
    void llamaAttentionAndMlpBiasesAreCounted() {
        String base = """
                {"architectures": ["LlamaForCausalLM"], "hidden_size": 32, "intermediate_size": 48,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8,
                 "vocab_size": 64 %s}
                """;
        ModelShape plain = ModelShape.fromConfig(json(base.formatted("")));
        ModelShape biased =
                ModelShape.fromConfig(json(base.formatted(", \"attention_bias\": true, \"mlp_bias\": true")));

        // Per layer: q (32) + k, v (16 each) + o (32) attention biases, gate/up (48 each) + down (32) MLP biases.
        assertThat(biased.parameterCount() - plain.parameterCount()).isEqualTo(2 * (32 + 16 + 16 + 32 + 48 + 48 + 32));
    }

    @Test
    void declaredFullFineTuningIsRead() {
        ModelShape shape = ModelShape.fromConfig(json("""
                {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
                 "vocab_size": 100, "safetune_fine_tuning_method": "full"}
                """));

        assertThat(shape.declaresFullFineTuning()).isTrue();
    }

    @Test
    void jsonRoundTripKeepsEveryField() {
        ModelShape qwen = ModelShape.fromConfig(json(QWEN25_05B));
        ModelShape bare = ModelShape.fromConfig(json("""
                {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
                 "vocab_size": 100, "safetune_fine_tuning_method": "full"}
                """));

        assertThat(ModelShape.fromJson(JSON.readTree(JSON.writeValueAsString(qwen.toJson()))))
                .isEqualTo(qwen);
        assertThat(ModelShape.fromJson(JSON.readTree(JSON.writeValueAsString(bare.toJson()))))
                .isEqualTo(bare);
    }

    @Test
    void missingRequiredSizeIsRefusedNamingTheField() {
        assertThatThrownBy(() -> ModelShape.fromConfig(json("""
                        {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 100}
                        """)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("intermediate_size must be an integer, got nothing (field missing)");
    }

    @Test
    void nonIntegerSizeIsRefusedNamingTheField() {
        assertThatThrownBy(() -> ModelShape.fromConfig(json("""
                        {"hidden_size": "64", "intermediate_size": 128, "num_hidden_layers": 2,
                         "num_attention_heads": 4, "vocab_size": 100}
                        """)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hidden_size must be an integer, got \"64\"");
    }

    @Test
    void unknownFineTuningMethodIsRefused() {
        assertThatThrownBy(() -> ModelShape.fromConfig(json("""
                        {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                         "num_attention_heads": 4, "vocab_size": 100, "safetune_fine_tuning_method": "qlora"}
                        """)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("safetune_fine_tuning_method must be \"lora\" or \"full\"");
    }
}
