package dev.safetune.api.modelimport;

import dev.safetune.api.auth.ApiKeyService;
import dev.safetune.api.auth.Tenant;
import dev.safetune.api.error.AuthenticationException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Lets only admin keys through to the model-import endpoints. They live outside {@code /v1}, where the API's own key
 * check does not run, so this one authenticates the bearer key the same way and then requires role {@code admin}:
 * importing a base model makes it available to every organisation, which is an operator's decision. The caller is
 * left in the request attribute {@link #CALLER} for the controller.
 */
class AdminKeyInterceptor implements HandlerInterceptor {
    static final String CALLER = "dev.safetune.api.modelimport.AdminCaller";
    static final String ADMIN_ROLE = "admin";
    private static final String BEARER = "Bearer ";

    private final ApiKeyService apiKeys;

    AdminKeyInterceptor(ApiKeyService apiKeys) {
        this.apiKeys = apiKeys;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new AuthenticationException("You didn't provide an API key. You need to provide an admin API key in"
                    + " an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
        }
        Tenant caller = apiKeys.authenticate(header.substring(BEARER.length()).trim())
                .orElseThrow(() -> new AuthenticationException("Incorrect API key provided."));
        if (!ADMIN_ROLE.equals(caller.role())) {
            throw new AdminRoleRequiredException(caller.role());
        }
        request.setAttribute(CALLER, caller);
        return true;
    }
}
