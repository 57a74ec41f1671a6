package dev.safetune.api.policy;

import dev.safetune.api.auth.Tenant;
import dev.safetune.api.web.ApiPaths;
import dev.safetune.api.web.ListObject;
import dev.safetune.api.web.PageLimit;
import java.net.URI;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * (+) The safety team's admin API for safety policies: versions are created, never edited; the default is moved with
 * a reason and its history kept. Only {@code safety} keys write; {@code admin} keys read (operators need to see what
 * jobs run under to support customers), members do not (the table is in {@code RouteAccess}). Errors are problem
 * details with field-level {@code errors[]}.
 */
@RestController
@RequestMapping(SafetyPolicyController.PATH)
class SafetyPolicyController {
    static final String PATH = ApiPaths.ADMIN + "/safety-policies";
    private static final int DEFAULT_PAGE = 20;
    private static final int MAX_PAGE = 100;

    private final SafetyPolicyService policies;

    SafetyPolicyController(SafetyPolicyService policies) {
        this.policies = policies;
    }

    @PostMapping
    ResponseEntity<SafetyPolicyObject> create(
            Tenant caller, @RequestBody(required = false) CreateSafetyPolicyRequest request) {
        SafetyPolicyObject created = policies.create(caller, request);
        return ResponseEntity.created(URI.create(PATH + "/" + created.id())).body(created);
    }

    /** Newest first; {@code name} lists the versions of one policy. */
    @GetMapping
    ListObject<SafetyPolicyObject> list(
            @RequestParam(required = false) String name, @RequestParam(required = false) Integer limit) {
        return policies.list(name, PageLimit.of(limit, DEFAULT_PAGE, MAX_PAGE));
    }

    @GetMapping("/default")
    SafetyPolicyObject currentDefault() {
        return policies.currentDefault();
    }

    @PutMapping("/default")
    SafetyPolicyObject setDefault(Tenant caller, @RequestBody(required = false) SetDefaultRequest request) {
        return policies.setDefault(caller, request);
    }

    /** Who moved the default, when and why; newest first. */
    @GetMapping("/default/history")
    ListObject<DefaultChangeObject> defaultHistory(@RequestParam(required = false) Integer limit) {
        return policies.defaultHistory(PageLimit.of(limit, DEFAULT_PAGE, MAX_PAGE));
    }

    @GetMapping("/{id}")
    SafetyPolicyObject get(@PathVariable String id) {
        return policies.get(id);
    }

    /** The changes from {@code id} to {@code otherId}, and whether {@code otherId} is stricter-or-equal. */
    @GetMapping("/{id}/diff/{otherId}")
    PolicyDiffObject diff(@PathVariable String id, @PathVariable String otherId) {
        return policies.diff(id, otherId);
    }
}
