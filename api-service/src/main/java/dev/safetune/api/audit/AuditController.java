package dev.safetune.api.audit;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.web.ApiPaths;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * (+) The post-training audit: {@code GET /v1/fine_tuning/jobs/{id}/audit} for the job's owner (per category and per
 * probed trigger the base's and the candidate's misaligned rates with Wilson intervals, the delta with its Newcombe
 * interval, flagged transcripts, judge, suite hash, policy version, decision and the gate log), and the operator's
 * override of a block ({@code /admin}, admin keys only, with a written reason).
 */
@RestController
class AuditController {
    private final AuditService audits;

    AuditController(AuditService audits) {
        this.audits = audits;
    }

    @GetMapping("/v1/fine_tuning/jobs/{id}/audit")
    Map<String, Object> audit(Tenant tenant, @PathVariable String id) {
        return audits.audit(tenant, id);
    }

    /** The operator's written reason for releasing a blocked model. */
    record OverrideRequest(String reason) {}

    @PostMapping(ApiPaths.ADMIN + "/fine_tuning/jobs/{id}/audit/override")
    Map<String, Object> override(
            Tenant operator, @PathVariable String id, @RequestBody(required = false) OverrideRequest request) {
        return audits.overrideBlock(operator, id, request == null ? null : request.reason());
    }
}
