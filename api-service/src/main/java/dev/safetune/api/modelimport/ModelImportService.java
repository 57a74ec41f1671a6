package dev.safetune.api.modelimport;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.error.NotFoundException;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.PageLimit;
import dev.safetune.core.id.Ids;
import dev.safetune.core.modelimport.ImportSpec;
import dev.safetune.core.modelimport.InvalidImportSpecException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Queues base-model imports for the workers and reports on them. The request's syntax is checked here, so a typo is
 * a 400 at once; whether the repository, revision or directory exists, and whether the model is one the runtime can
 * train, only a worker can tell, and it says so in the import's {@code error}.
 */
@Service
class ModelImportService {
    private static final Logger log = LoggerFactory.getLogger(ModelImportService.class);

    private final ModelImportRepository imports;

    ModelImportService(ModelImportRepository imports) {
        this.imports = imports;
    }

    @Transactional
    ModelImportObject queue(Tenant caller, CreateModelImportRequest request) {
        if (request == null) {
            throw InvalidRequestException.missing("source");
        }
        ImportSpec spec;
        try {
            spec = ImportSpec.parse(request.source(), request.modelId(), request.replace());
        } catch (InvalidImportSpecException e) {
            throw new InvalidRequestException(e.field(), "invalid_value", e.getMessage());
        }
        String id = Ids.newId(ModelImportObject.ID_PREFIX);
        imports.insertQueued(id, spec, caller.apiKeyId());
        imports.notifyQueued(id);
        log.info("model import {} of {} queued by key {}", id, spec.source(), caller.apiKeyId());
        return get(id);
    }

    @Transactional(readOnly = true)
    ModelImportObject get(String id) {
        return imports.find(id)
                .orElseThrow(() -> new NotFoundException("id", "No model import found with id '" + id + "'."));
    }

    @Transactional(readOnly = true)
    ListObject<ModelImportObject> list(PageLimit limit) {
        return ListObject.page(imports.newest(limit.fetchSize()), limit, row -> row);
    }
}
