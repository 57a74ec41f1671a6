package dev.safetune.api.auth;

import dev.safetune.api.web.ApiPaths;
import dev.safetune.api.web.ListObject;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * (+) Onboarding on the admin API (admin keys; errors as RFC 9457 problem details):
 *
 * <ul>
 *   <li>{@code POST /admin/organizations} {@code {"name"}} → 201, {@code GET /admin/organizations}
 *   <li>{@code POST /admin/organizations/{org}/api_keys} {@code {"name", "role"}} → 201 with {@code key}, shown once
 *   <li>{@code GET /admin/organizations/{org}/api_keys}: prefix, role, timestamps; never the key
 *   <li>{@code POST …/api_keys/{id}/rotate} → 201 with the new {@code key}, the old one revoked;
 *       {@code POST …/api_keys/{id}/revoke}: the next request with it is 401
 * </ul>
 */
@RestController
@RequestMapping(OnboardingController.PATH)
class OnboardingController {
    static final String PATH = ApiPaths.ADMIN + "/organizations";

    private final OnboardingService onboarding;

    OnboardingController(OnboardingService onboarding) {
        this.onboarding = onboarding;
    }

    @PostMapping
    ResponseEntity<OrganizationObject> createOrganization(
            @RequestBody(required = false) OnboardingRequests.CreateOrganization request) {
        OrganizationObject created = onboarding.createOrganization(request);
        return ResponseEntity.created(URI.create(PATH + "/" + created.id())).body(created);
    }

    @GetMapping
    ListObject<OrganizationObject> organizations() {
        return ListObject.of(onboarding.organizations());
    }

    @PostMapping("/{organizationId}/api_keys")
    ResponseEntity<ApiKeyObject> issueKey(
            @PathVariable String organizationId,
            @RequestBody(required = false) OnboardingRequests.CreateApiKey request) {
        return created(onboarding.issueKey(organizationId, request));
    }

    @GetMapping("/{organizationId}/api_keys")
    ListObject<ApiKeyObject> keys(@PathVariable String organizationId) {
        return ListObject.of(onboarding.keys(organizationId));
    }

    @PostMapping("/{organizationId}/api_keys/{keyId}/rotate")
    ResponseEntity<ApiKeyObject> rotate(@PathVariable String organizationId, @PathVariable String keyId) {
        return created(onboarding.rotate(organizationId, keyId));
    }

    @PostMapping("/{organizationId}/api_keys/{keyId}/revoke")
    ApiKeyObject revoke(@PathVariable String organizationId, @PathVariable String keyId) {
        return onboarding.revoke(organizationId, keyId);
    }

    private static ResponseEntity<ApiKeyObject> created(ApiKeyObject key) {
        return ResponseEntity.status(HttpStatus.CREATED)
                .location(URI.create(PATH + "/" + key.organizationId() + "/api_keys/" + key.id()))
                .body(key);
    }
}
