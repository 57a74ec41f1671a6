package dev.safetune.core.modelimport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImportSpecTest {

    @Test
    void aHubSourceWithoutRevisionMeansMain() {
        ImportSpec spec = ImportSpec.parse("hf:Qwen/Qwen2.5-0.5B-Instruct", null, null);

        assertThat(spec.source()).isEqualTo("hf:Qwen/Qwen2.5-0.5B-Instruct@main");
        assertThat(spec.modelId()).isEmpty();
        assertThat(spec.replace()).isFalse();
    }

    @Test
    void aHubSourceKeepsItsRevisionAndARepoMayHaveNoNamespace() {
        assertThat(ImportSpec.canonicalSource("hf:gpt2@6c0e6080953db56375760c0471a8c5f2929baf11"))
                .isEqualTo("hf:gpt2@6c0e6080953db56375760c0471a8c5f2929baf11");
        assertThat(ImportSpec.canonicalSource("hf:meta-llama/Llama-3.2-1B@refs/pr/1"))
                .isEqualTo("hf:meta-llama/Llama-3.2-1B@refs/pr/1");
    }

    @Test
    void aDirectorySourceIsNormalised() {
        assertThat(ImportSpec.canonicalSource("dir:/models/./qwen/../qwen2")).isEqualTo("dir:/models/qwen2");
    }

    @Test
    void aModelIdOfNinetySixCharactersIsAccepted() {
        String id = "x".repeat(ImportSpec.MAX_MODEL_ID_LENGTH);

        assertThat(ImportSpec.parse("dir:/m", id, null).modelId()).contains(id);
    }

    @Test
    void theRequestedIdAndReplaceAreKept() {
        ImportSpec spec = ImportSpec.parse("dir:/models/qwen", "qwen-0.5b", true);

        assertThat(spec.modelId()).isEqualTo(Optional.of("qwen-0.5b"));
        assertThat(spec.replace()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "Qwen/Qwen2.5",
                "s3:bucket/model",
                "hf:",
                "hf:a/b/c",
                "hf:Qwen/-bad",
                "hf:Qwen--x/y",
                "hf:Qwen/x..y",
                "hf:Qwen/x@",
                "hf:Qwen/x@has space",
                "dir:",
                "dir:  ",
                "dir:relative/path",
                "dir:/nul\0byte"
            })
    void aMalformedSourceIsRefusedNamingSource(String source) {
        assertThatThrownBy(() -> ImportSpec.parse(source, null, null))
                .isInstanceOfSatisfying(
                        InvalidImportSpecException.class,
                        e -> assertThat(e.field()).isEqualTo("source"));
    }

    /** The last is 97 characters, one more than allowed. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "-lead",
                "ft:qwen:org",
                "has space",
                "x234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567"
            })
    void aMalformedModelIdIsRefusedNamingModelId(String id) {
        assertThatThrownBy(() -> ImportSpec.parse("hf:Qwen/Qwen2.5-0.5B", id, false))
                .isInstanceOfSatisfying(
                        InvalidImportSpecException.class,
                        e -> assertThat(e.field()).isEqualTo("model_id"));
    }

    @Test
    void theMessageSaysWhatIsExpected() {
        assertThatThrownBy(() -> ImportSpec.canonicalSource("s3:bucket/model"))
                .hasMessage("source must start with hf: or dir:, got \"s3:bucket/model\"");
        assertThatThrownBy(() -> ImportSpec.canonicalSource("dir:models/qwen")).hasMessageContaining("absolute path");
    }
}
