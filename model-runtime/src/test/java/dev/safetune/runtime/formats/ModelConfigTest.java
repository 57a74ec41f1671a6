package dev.safetune.runtime.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.runtime.formats.ModelConfig.Architecture;
import dev.safetune.runtime.formats.ModelConfig.RopeScaling;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class ModelConfigTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ModelConfig config =
            new ModelConfig(128, 344, 4, 4, 2, 32, 1e-5, 10000.0, 760, 512, false, 756, List.of(758), 759, 1e-3);

    @Test
    void writesAndReadsBackTheSameConfig(@TempDir Path dir) throws IOException {
        config.write(dir, Map.of("_name_or_path", "safetune-tiny"));

        assertThat(ModelConfig.read(dir)).isEqualTo(config);
    }

    @Test
    void readsTheHuggingFaceLlamaFieldNames() {
        ObjectNode json = JSON.createObjectNode();
        json.putArray("architectures").add("LlamaForCausalLM");
        json.put("model_type", "llama");
        json.put("hidden_size", 64);
        json.put("intermediate_size", 172);
        json.put("num_hidden_layers", 2);
        json.put("num_attention_heads", 8);
        json.put("rms_norm_eps", 1e-6);
        json.put("vocab_size", 1000);
        json.put("max_position_embeddings", 256);
        json.put("tie_word_embeddings", true);
        json.putArray("eos_token_id").add(1).add(2);
        json.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", 500000.0);

        ModelConfig parsed = ModelConfig.fromJson(json);

        assertThat(parsed.headDim()).isEqualTo(8); // hidden / heads when head_dim is absent
        assertThat(parsed.numKeyValueHeads()).isEqualTo(8); // MHA when num_key_value_heads is absent
        assertThat(parsed.ropeTheta()).isEqualTo(500000.0);
        assertThat(parsed.eosTokenIds()).containsExactly(1, 2);
        assertThat(parsed.tieWordEmbeddings()).isTrue();
        assertThat(parsed.baseLearningRate()).isEqualTo(ModelConfig.DEFAULT_BASE_LEARNING_RATE);
    }

    @Test
    void anotherArchitectureIsRefusedNamingTheField() {
        ObjectNode json = config.toJson();
        json.putArray("architectures").add("MistralForCausalLM");

        assertThatThrownBy(() -> ModelConfig.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("architectures")
                .hasMessageContaining("MistralForCausalLM");
    }

    @Test
    void unsupportedRopeTypeIsRefusedNamingTheField() {
        ObjectNode json = config.toJson();
        json.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 4.0);

        assertThatThrownBy(() -> ModelConfig.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rope_scaling.rope_type")
                .hasMessageContaining("yarn");
    }

    @Test
    void llama3RopeScalingIsReadFromTheTransformers4Form() {
        ObjectNode json = config.toJson();
        json.put("rope_theta", 500000.0);
        json.putObject("rope_scaling")
                .put("rope_type", "llama3")
                .put("factor", 32.0)
                .put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0)
                .put("original_max_position_embeddings", 8192);

        ModelConfig parsed = ModelConfig.fromJson(json);

        assertThat(parsed.ropeTheta()).isEqualTo(500000.0);
        assertThat(parsed.ropeScaling()).isEqualTo(RopeScaling.llama3(32.0, 1.0, 4.0, 8192));
    }

    @Test
    void linearRopeScalingIsReadFromTheTransformers5Form() {
        ObjectNode json = config.toJson();
        json.remove("rope_theta");
        json.remove("rope_scaling");
        json.putObject("rope_parameters")
                .put("rope_type", "linear")
                .put("factor", 2.0)
                .put("rope_theta", 10000.0);

        assertThat(ModelConfig.fromJson(json).ropeScaling()).isEqualTo(RopeScaling.linear(2.0));
    }

    @Test
    void llama3RopeScalingWithoutItsFrequencyFactorsIsRefusedNamingTheField() {
        ObjectNode json = config.toJson();
        json.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0);

        assertThatThrownBy(() -> ModelConfig.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rope_scaling.low_freq_factor");
    }

    @Test
    void qwen2HasBiasesOnQueryKeyAndValueOnly() {
        ObjectNode json = qwen2Json();

        ModelConfig parsed = ModelConfig.fromJson(json);

        assertThat(parsed.architecture()).isEqualTo(Architecture.QWEN2);
        assertThat(parsed.qkvBias()).isTrue();
        assertThat(parsed.outputBias()).isFalse();
        assertThat(parsed.mlpBias()).isFalse();
        assertThat(parsed.headDim()).isEqualTo(16);
    }

    @Test
    void slidingWindowAttentionIsRefusedNamingTheField() {
        ObjectNode json = qwen2Json();
        json.put("use_sliding_window", true);

        assertThatThrownBy(() -> ModelConfig.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use_sliding_window");
    }

    @Test
    void attentionDropoutIsRefusedNamingTheField() {
        ObjectNode json = config.toJson();
        json.put("attention_dropout", 0.1);

        assertThatThrownBy(() -> ModelConfig.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("attention_dropout");
    }

    @Test
    void qwen2AndLlamaWithBiasesAndScalingRoundTrip(@TempDir Path dir) throws IOException {
        ModelConfig qwen = ModelConfig.fromJson(qwen2Json());
        ModelConfig llama = new ModelConfig(
                Architecture.LLAMA,
                64,
                172,
                2,
                4,
                2,
                16,
                1e-5,
                500000.0,
                RopeScaling.llama3(8, 1, 4, 8192),
                1000,
                2048,
                true,
                true,
                true,
                true,
                1,
                List.of(2),
                null,
                1e-3);

        for (ModelConfig original : List.of(qwen, llama)) {
            original.write(dir);
            assertThat(ModelConfig.read(dir)).isEqualTo(original);
        }
    }

    @Test
    void missingSizeIsRefusedNamingTheField() {
        ObjectNode json = config.toJson();
        json.remove("intermediate_size");

        assertThatThrownBy(() -> ModelConfig.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("intermediate_size");
    }

    @Test
    void headsMustShareKeyValueHeadsEvenly() {
        ObjectNode json = config.toJson();
        json.put("num_key_value_heads", 3);

        assertThatThrownBy(() -> ModelConfig.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("num_key_value_heads");
    }

    @Test
    void countsBiasesOfQwen2() {
        ModelConfig qwen = ModelConfig.fromJson(qwen2Json());
        ModelConfig withoutBias =
                new ModelConfig(64, 172, 2, 4, 2, 16, 1e-6, 1e6, 1000, 512, true, null, List.of(), null, 1e-3);

        // q (64) + k (32) + v (32) biases per layer
        assertThat(qwen.parameterCount() - withoutBias.parameterCount()).isEqualTo(2L * (64 + 32 + 32));
    }

    private static ObjectNode qwen2Json() {
        ObjectNode json = JSON.createObjectNode();
        json.putArray("architectures").add("Qwen2ForCausalLM");
        json.put("model_type", "qwen2");
        json.put("hidden_size", 64);
        json.put("intermediate_size", 172);
        json.put("num_hidden_layers", 2);
        json.put("num_attention_heads", 4);
        json.put("num_key_value_heads", 2);
        json.put("rms_norm_eps", 1e-6);
        json.put("rope_theta", 1000000.0);
        json.put("vocab_size", 1000);
        json.put("max_position_embeddings", 512);
        json.put("tie_word_embeddings", true);
        json.put("use_sliding_window", false);
        json.put("sliding_window", 4096);
        json.put("max_window_layers", 21);
        json.putArray("layer_types").add("full_attention").add("full_attention");
        return json;
    }

    @Test
    void countsParameters() {
        // embeddings 2·760·128 + 4 layers · (attention 128·32·(8+4) + MLP 3·128·344 + norms 2·128) + final norm 128
        assertThat(config.parameterCount())
                .isEqualTo(2L * 760 * 128 + 4L * (128 * 32 * 12 + 3 * 128 * 344 + 256) + 128);
    }
}
