package dev.safetune.api.dryrun;

import dev.safetune.api.auth.Tenant;
import java.io.IOException;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

@RestController
class DryRunController {
    private final DryRunService dryRuns;

    DryRunController(DryRunService dryRuns) {
        this.dryRuns = dryRuns;
    }

    @PostMapping("/v1/files/{id}/validate")
    DryRunReport validate(Tenant tenant, @PathVariable String id, @RequestBody DryRunRequest request)
            throws IOException {
        return dryRuns.run(tenant, id, request);
    }
}
