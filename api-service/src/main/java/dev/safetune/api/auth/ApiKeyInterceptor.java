package dev.safetune.api.auth;

import dev.safetune.api.error.AuthenticationException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Authenticates every {@code /v1} request by its bearer key and records the {@link Tenant}. Failing here throws, so
 * the 401 is rendered by the same advice as every other error.
 */
class ApiKeyInterceptor implements HandlerInterceptor {
    private static final String BEARER = "Bearer ";

    private final ApiKeyService apiKeys;

    ApiKeyInterceptor(ApiKeyService apiKeys) {
        this.apiKeys = apiKeys;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new AuthenticationException("You didn't provide an API key. You need to provide your API key in an"
                    + " Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
        }
        Tenant tenant = apiKeys.authenticate(header.substring(BEARER.length()).trim())
                .orElseThrow(() -> new AuthenticationException("Incorrect API key provided."));
        request.setAttribute(Tenant.REQUEST_ATTRIBUTE, tenant);
        return true;
    }
}
