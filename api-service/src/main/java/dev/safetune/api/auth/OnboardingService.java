package dev.safetune.api.auth;

import dev.safetune.api.error.InvalidRequestException;
import dev.safetune.api.error.NotFoundException;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What operators do to bring a customer on board: create an organisation, issue its keys, list, rotate and revoke
 * them. A key is addressed within its organisation ({@code /admin/organizations/{org}/api_keys/{id}}), so a key id
 * under the wrong organisation is not found. Revocation is immediate: authentication reads the key's row on every
 * request, nothing caches it.
 */
@Service
class OnboardingService {
    static final int MAX_NAME_LENGTH = 200;

    private final OrganizationRepository organizations;
    private final ApiKeyRepository keys;
    private final ApiKeyService apiKeys;

    OnboardingService(OrganizationRepository organizations, ApiKeyRepository keys, ApiKeyService apiKeys) {
        this.organizations = organizations;
        this.keys = keys;
        this.apiKeys = apiKeys;
    }

    @Transactional
    OrganizationObject createOrganization(OnboardingRequests.CreateOrganization request) {
        String name = validName(request == null ? null : request.name(), true);
        return OrganizationObject.of(apiKeys.createOrganization(name));
    }

    @Transactional(readOnly = true)
    List<OrganizationObject> organizations() {
        return organizations.findAllByOrderByCreatedAtDescIdDesc().stream()
                .map(OrganizationObject::of)
                .toList();
    }

    @Transactional
    ApiKeyObject issueKey(String organizationId, OnboardingRequests.CreateApiKey request) {
        requireOrganization(organizationId);
        String role = request == null || request.role() == null ? ApiKeyService.MEMBER_ROLE : request.role();
        if (!ApiKeyService.ROLES.contains(role)) {
            throw new InvalidRequestException(
                    "role",
                    "invalid_value",
                    "Invalid 'role': '" + role + "' is not one of " + String.join(", ", ApiKeyService.ROLES) + ".");
        }
        String name = validName(request == null ? null : request.name(), false);
        return issue(organizationId, name == null ? role : name, role);
    }

    @Transactional(readOnly = true)
    List<ApiKeyObject> keys(String organizationId) {
        requireOrganization(organizationId);
        return keys.findByOrganizationIdOrderByCreatedAtDescIdDesc(organizationId).stream()
                .map(ApiKeyObject::of)
                .toList();
    }

    /** A new key of the same name and role; the old one is revoked in the same transaction and points to it. */
    @Transactional
    ApiKeyObject rotate(String organizationId, String keyId) {
        ApiKey old = key(organizationId, keyId);
        if (old.revoked()) {
            throw new InvalidRequestException(
                    "id", "key_revoked", "API key " + keyId + " is revoked; issue a new key instead of rotating it.");
        }
        ApiKeyObject replacement = issue(organizationId, old.name(), old.role());
        old.revoke(now(), replacement.id());
        keys.save(old);
        return replacement;
    }

    @Transactional
    ApiKeyObject revoke(String organizationId, String keyId) {
        ApiKey key = key(organizationId, keyId);
        key.revoke(now(), null);
        return ApiKeyObject.of(keys.save(key));
    }

    private ApiKeyObject issue(String organizationId, String name, String role) {
        CreatedKey created = apiKeys.createKey(organizationId, name, role);
        ApiKey stored =
                keys.findByIdAndOrganizationId(created.id(), organizationId).orElseThrow();
        return ApiKeyObject.withSecret(stored, created.key());
    }

    private ApiKey key(String organizationId, String keyId) {
        requireOrganization(organizationId);
        return keys.findByIdAndOrganizationId(keyId, organizationId)
                .orElseThrow(() -> new NotFoundException(
                        "id", "No API key found with id '" + keyId + "' in organization '" + organizationId + "'."));
    }

    private void requireOrganization(String organizationId) {
        if (organizations.findById(organizationId).isEmpty()) {
            throw new NotFoundException("organization_id", "No organization found with id '" + organizationId + "'.");
        }
    }

    private static String validName(String name, boolean required) {
        if (name == null || name.isBlank()) {
            if (required) {
                throw InvalidRequestException.missing("name");
            }
            return null;
        }
        String trimmed = name.strip();
        if (trimmed.length() > MAX_NAME_LENGTH || trimmed.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException(
                    "name",
                    "invalid_value",
                    "Invalid 'name': at most " + MAX_NAME_LENGTH + " characters, without control characters.");
        }
        return trimmed;
    }

    private static Instant now() {
        return ApiKeyService.now();
    }
}
