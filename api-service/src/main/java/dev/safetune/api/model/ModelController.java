package dev.safetune.api.model;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.web.ListObject;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/v1/models")
class ModelController {
    private final ModelService models;

    ModelController(ModelService models) {
        this.models = models;
    }

    @GetMapping
    ListObject<ModelObject> list(Tenant tenant) {
        return ListObject.of(models.list(tenant).stream().map(ModelObject::of).toList());
    }

    @GetMapping("/{id}")
    ModelObject get(Tenant tenant, @PathVariable String id) {
        return ModelObject.of(models.get(tenant, id));
    }
}
