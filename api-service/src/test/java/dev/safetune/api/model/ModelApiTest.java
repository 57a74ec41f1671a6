package dev.safetune.api.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.api.ApiClient;
import dev.safetune.api.ApiClient.Response;
import dev.safetune.api.ApiServiceTestBase;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

class ModelApiTest extends ApiServiceTestBase {
    @Autowired
    BaseModelCatalog catalog;

    @Test
    void baseModelsAreTheModelsDirectoriesWithAConfig() {
        JsonNode list = newTenant().get("/v1/models").json();

        assertThat(list.path("object").asString()).isEqualTo("list");
        assertThat(list.path("data").valueStream().map(m -> m.path("id").asString()))
                .containsExactly(BASE_MODEL);
        JsonNode model = list.path("data").get(0);
        assertThat(model.path("object").asString()).isEqualTo("model");
        assertThat(model.path("owned_by").asString()).isEqualTo("safetune");
        assertThat(model.path("created").asLong()).isPositive();
        String storagePath =
                jdbc.queryForObject("SELECT storage_path FROM models WHERE id = ?", String.class, BASE_MODEL);
        assertThat(storagePath)
                .isEqualTo(MODELS_DIR.resolve(BASE_MODEL).toAbsolutePath().toString());
    }

    @Test
    void aModelCopiedInLaterAppearsAtTheNextScan() throws Exception {
        ApiClient api = newTenant();
        Files.createDirectories(MODELS_DIR.resolve("late-model"));
        Files.writeString(MODELS_DIR.resolve("late-model").resolve("config.json"), "{}");
        try {
            assertThat(api.get("/v1/models/late-model").status()).isEqualTo(404);

            catalog.scan();

            assertThat(api.get("/v1/models/late-model").json().path("owned_by").asString())
                    .isEqualTo("safetune");
        } finally {
            // Other tests in this context expect only the one base model.
            jdbc.update("DELETE FROM models WHERE id = 'late-model'");
            Files.delete(MODELS_DIR.resolve("late-model").resolve("config.json"));
            Files.delete(MODELS_DIR.resolve("late-model"));
        }
    }

    @Test
    void unknownModelIsNotFound() {
        Response response = newTenant().get("/v1/models/nope");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.error().path("message").asString()).isEqualTo("The model 'nope' does not exist.");
    }
}
