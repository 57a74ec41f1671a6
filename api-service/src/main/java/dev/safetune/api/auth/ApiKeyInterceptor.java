package dev.safetune.api.auth;

import dev.safetune.api.error.AuthenticationException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Authenticates a request by its bearer key, checks the key's role against {@link RouteAccess} and records the
 * {@link Tenant}. Failing here throws, so the 401 (or 403) is rendered by the same advice as every other error.
 */
class ApiKeyInterceptor implements HandlerInterceptor {
    private static final String BEARER = "Bearer ";

    private final ApiKeyService apiKeys;

    ApiKeyInterceptor(ApiKeyService apiKeys) {
        this.apiKeys = apiKeys;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        // The decoded, normalised path the request is dispatched on, not the raw URI: ".." or "%2e%2e" segments must
        // not make a route look like another (e.g. a readable /admin/models/imports/%2e%2e/../organizations).
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        Optional<Set<String>> roles = RouteAccess.rolesFor(request.getMethod(), path);
        if (roles.isEmpty()) {
            return true;
        }
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new AuthenticationException(
                    "You didn't provide an API key. You need to provide " + describe(roles.get())
                            + " in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
        }
        Tenant tenant = apiKeys.authenticate(header.substring(BEARER.length()).trim())
                .orElseThrow(() -> new AuthenticationException("Incorrect API key provided."));
        if (!roles.get().contains(tenant.role())) {
            throw new RoleRequiredException(describe(roles.get()), tenant.role());
        }
        request.setAttribute(Tenant.REQUEST_ATTRIBUTE, tenant);
        return true;
    }

    private static String describe(Set<String> roles) {
        return roles.size() == 1
                ? "an API key with role " + roles.iterator().next()
                : "an API key with one of the roles " + String.join(", ", new TreeSet<>(roles));
    }
}
