package dev.safetune.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        json.putArray("architectures").add("Qwen2ForCausalLM");

        assertThatThrownBy(() -> ModelConfig.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("architectures")
                .hasMessageContaining("Qwen2ForCausalLM");
    }

    @Test
    void ropeScalingIsRefusedRatherThanComputedWrongly() {
        ObjectNode json = config.toJson();
        json.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0);

        assertThatThrownBy(() -> ModelConfig.fromJson(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rope_scaling");
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
    void countsParameters() {
        // embeddings 2·760·128 + 4 layers · (attention 128·32·(8+4) + MLP 3·128·344 + norms 2·128) + final norm 128
        assertThat(config.parameterCount())
                .isEqualTo(2L * 760 * 128 + 4L * (128 * 32 * 12 + 3 * 128 * 344 + 256) + 128);
    }
}
