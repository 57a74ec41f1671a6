package dev.safetune.api.model;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.NotFoundException;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
@Transactional(readOnly = true)
public class ModelService {
    private final ModelRepository models;

    ModelService(ModelRepository models) {
        this.models = models;
    }

    public List<Model> list(Tenant tenant) {
        return models.findAllVisibleToOrganizationId(tenant.organizationId());
    }

    public Optional<Model> find(Tenant tenant, String id) {
        return models.findByIdVisibleToOrganizationId(id, tenant.organizationId());
    }

    public Model get(Tenant tenant, String id) {
        return find(tenant, id)
                .orElseThrow(() -> new NotFoundException("model", "The model '" + id + "' does not exist."));
    }
}
