package dev.safetune.api.auth;

import dev.safetune.api.error.AuthenticationException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Authenticates a request by its bearer key and records the {@link Tenant}; when built {@link #forRole for a role},
 * only keys of that role pass. Failing here throws, so the 401 (or 403) is rendered by the same advice as every other
 * error.
 */
class ApiKeyInterceptor implements HandlerInterceptor {
    private static final String BEARER = "Bearer ";

    private final ApiKeyService apiKeys;
    private final String requiredRole;

    private ApiKeyInterceptor(ApiKeyService apiKeys, String requiredRole) {
        this.apiKeys = apiKeys;
        this.requiredRole = requiredRole;
    }

    /** Any valid key passes (the {@code /v1} API). */
    static ApiKeyInterceptor anyRole(ApiKeyService apiKeys) {
        return new ApiKeyInterceptor(apiKeys, null);
    }

    /** Only keys of {@code role} pass (the operators' {@code /admin} API needs {@code admin}). */
    static ApiKeyInterceptor forRole(ApiKeyService apiKeys, String role) {
        return new ApiKeyInterceptor(apiKeys, role);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String which = requiredRole == null ? "your API key" : "an API key with role " + requiredRole;
            throw new AuthenticationException("You didn't provide an API key. You need to provide " + which + " in an"
                    + " Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
        }
        Tenant tenant = apiKeys.authenticate(header.substring(BEARER.length()).trim())
                .orElseThrow(() -> new AuthenticationException("Incorrect API key provided."));
        if (requiredRole != null && !requiredRole.equals(tenant.role())) {
            throw new RoleRequiredException(requiredRole, tenant.role());
        }
        request.setAttribute(Tenant.REQUEST_ATTRIBUTE, tenant);
        return true;
    }
}
