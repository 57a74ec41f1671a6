package dev.safetune.api.auth;

/**
 * The caller of a {@code /v1} or {@code /admin} request, as proven by its API key. Controllers take it as a
 * parameter (see {@link TenantArgumentResolver}) and every repository finder takes its {@code organizationId}, so a
 * query that forgets the tenant does not compile.
 */
public record Tenant(String organizationId, String apiKeyId, String role) {
    static final String REQUEST_ATTRIBUTE = Tenant.class.getName();
}
