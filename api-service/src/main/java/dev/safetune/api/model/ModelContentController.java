package dev.safetune.api.model;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.error.NotFoundException;
import java.nio.file.Path;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * (+) {@code GET /v1/models/{id}/content?format=adapter|merged}: a fine-tuned model's weights, to its owner only, as a
 * streamed zip with {@code SHA256SUMS} ({@link ModelArchive}). Only a model the release gate released (or an operator
 * overrode) has a row in {@code models}; a blocked model has none, so its weights are a 404 like a missing model's.
 * Base models and other organisations' models are not downloadable here.
 */
@RestController
class ModelContentController {
    private final ModelService models;

    ModelContentController(ModelService models) {
        this.models = models;
    }

    @GetMapping("/v1/models/{id}/content")
    ResponseEntity<StreamingResponseBody> content(
            Tenant tenant, @PathVariable String id, @RequestParam(defaultValue = "merged") String format) {
        if (!format.equals(ModelArchive.ADAPTER) && !format.equals(ModelArchive.MERGED)) {
            throw new InvalidRequestException(
                    "format",
                    "invalid_value",
                    "Invalid 'format': must be 'adapter' or 'merged', got '" + format + "'.");
        }
        Model model = models.get(tenant, id);
        if (model.isBase() || !tenant.organizationId().equals(model.ownedBy())) {
            throw new NotFoundException("model", "The model '" + id + "' has no downloadable weights.");
        }
        Path folder = ModelArchive.folder(Path.of(model.storagePath()), format);
        if (folder == null) {
            throw new NotFoundException(
                    "format",
                    "The model '" + id + "' has no " + format + " weights"
                            + (format.equals(ModelArchive.ADAPTER) ? " (it was fully fine-tuned)." : "."));
        }
        String filename = id.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + format + ".zip";
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType("application/zip"))
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment()
                                .filename(filename)
                                .build()
                                .toString())
                .body(out -> ModelArchive.write(folder, model.baseModel(), out));
    }
}
