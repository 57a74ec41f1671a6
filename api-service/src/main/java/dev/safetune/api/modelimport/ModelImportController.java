package dev.safetune.api.modelimport;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.web.ApiPaths;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.PageLimit;
import java.net.URI;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * (+) The admin API for base-model imports, the API counterpart of {@code ./safetune models import}: a request is
 * queued (202) and a worker runs it, writing its progress to the import object. Admin keys only (the {@code /admin}
 * guard in {@code dev.safetune.api.auth}); errors are problem details, as everywhere outside {@code /v1}.
 */
@RestController
@RequestMapping(ModelImportController.PATH)
class ModelImportController {
    static final String PATH = ApiPaths.ADMIN + "/models/imports";
    private static final int DEFAULT_PAGE = 20;
    private static final int MAX_PAGE = 100;

    private final ModelImportService imports;

    ModelImportController(ModelImportService imports) {
        this.imports = imports;
    }

    @PostMapping
    ResponseEntity<ModelImportObject> create(
            Tenant caller, @RequestBody(required = false) CreateModelImportRequest request) {
        ModelImportObject queued = imports.queue(caller, request);
        return ResponseEntity.accepted()
                .location(URI.create(PATH + "/" + queued.id()))
                .body(queued);
    }

    @GetMapping
    ListObject<ModelImportObject> list(@RequestParam(required = false) Integer limit) {
        return imports.list(PageLimit.of(limit, DEFAULT_PAGE, MAX_PAGE));
    }

    @GetMapping("/{id}")
    ModelImportObject get(@PathVariable String id) {
        return imports.get(id);
    }
}
