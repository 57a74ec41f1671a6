package dev.safetune.worker.modelimport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.core.modelimport.ImportSpec;
import dev.safetune.core.modelimport.InvalidImportSpecException;
import dev.safetune.worker.registry.BaseModelId;
import dev.safetune.worker.registry.ImportSource;
import dev.safetune.worker.registry.ModelImportException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The admin API checks a request with platform-core's {@link ImportSpec}; the worker parses the stored source again
 * with the importer's {@link ImportSource}. Both must give the same answer, or an import the API accepted would fail
 * on a worker as {@code invalid_source} (or one the importer could run would be refused at the API).
 */
class ImportSpecAgreementTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "hf:Qwen/Qwen2.5-0.5B-Instruct",
                "hf:Qwen/Qwen2.5-0.5B-Instruct@main",
                "hf:gpt2",
                "hf:meta-llama/Llama-3.2-1B@refs/pr/12",
                "hf:HuggingFaceTB/SmolLM2-135M@6c0e6080953db56375760c0471a8c5f2929baf11",
                "hf:a_b/c.d-e",
                "dir:/models/qwen",
                "dir:/models/./qwen/../qwen2"
            })
    void bothAcceptAndAgreeOnTheCanonicalForm(String source) {
        assertThat(ImportSpec.canonicalSource(source))
                .isEqualTo(ImportSource.parse(source).spec());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "s3:bucket/model",
                "hf:",
                "hf:a/b/c",
                "hf:-a/b",
                "hf:a/b-",
                "hf:a--b/c",
                "hf:a/b..c",
                "hf:a/b@",
                "hf:a/b@two words",
                "dir:",
                "dir:   "
            })
    void bothRefuse(String source) {
        assertThatThrownBy(() -> ImportSource.parse(source))
                .isInstanceOfSatisfying(
                        ModelImportException.class, e -> assertThat(e.field()).isEqualTo("source"));
        assertThatThrownBy(() -> ImportSpec.canonicalSource(source))
                .isInstanceOfSatisfying(
                        InvalidImportSpecException.class,
                        e -> assertThat(e.field()).isEqualTo("source"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen", "Qwen2.5-0.5B-Instruct", "a_b.c-d", "9lives"})
    void bothAcceptTheseModelIds(String id) {
        assertThat(ImportSpec.checkModelId(id)).isEqualTo(BaseModelId.validate(id));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-x", ".x", "a:b", "a b", "a/b"})
    void bothRefuseTheseModelIds(String id) {
        assertThatThrownBy(() -> BaseModelId.validate(id)).isInstanceOf(ModelImportException.class);
        assertThatThrownBy(() -> ImportSpec.checkModelId(id)).isInstanceOf(InvalidImportSpecException.class);
    }
}
