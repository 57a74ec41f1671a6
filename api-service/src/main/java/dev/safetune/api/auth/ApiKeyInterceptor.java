package dev.safetune.api.auth;

import dev.safetune.api.error.AuthenticationException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.RequestPath;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.util.ServletRequestPathUtils;

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
        // Never the raw URI: "/admin;x=1/organizations" is routed to /admin/organizations. Both the path Spring MVC
        // routes on (decoded, path parameters removed) and the container's normalised one (dot segments resolved)
        // are checked, so no spelling of a guarded route reads as another route.
        String servletPath = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        Optional<Set<String>> roles =
                RouteAccess.rolesFor(request.getMethod(), List.of(routedPath(request), servletPath));
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

    private static String routedPath(HttpServletRequest request) {
        RequestPath parsed = ServletRequestPathUtils.hasParsedRequestPath(request)
                ? ServletRequestPathUtils.getParsedRequestPath(request)
                : ServletRequestPathUtils.parseAndCache(request);
        StringBuilder path = new StringBuilder();
        for (PathContainer.Element element : parsed.pathWithinApplication().elements()) {
            path.append(
                    element instanceof PathContainer.PathSegment segment ? segment.valueToMatch() : element.value());
        }
        return path.toString();
    }

    private static String describe(Set<String> roles) {
        return roles.size() == 1
                ? "an API key with role " + roles.iterator().next()
                : "an API key with one of the roles " + String.join(", ", new TreeSet<>(roles));
    }
}
