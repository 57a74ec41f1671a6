package dev.safetune.api.auth;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Applies {@link ApiKeyInterceptor} to the actuator endpoints, which Spring MVC interceptors do not reach (actuator
 * has its own handler mapping): metrics name every model and tenant's job counts, so they need an admin key; health
 * stays open for load balancers and orchestrators. A refusal is handed to the MVC exception resolvers, so it is
 * rendered by the same advice (as a problem detail) as every other error.
 */
class ActuatorKeyFilter extends OncePerRequestFilter {
    private final ApiKeyInterceptor keys;
    private final HandlerExceptionResolver errors;

    ActuatorKeyFilter(ApiKeyInterceptor keys, HandlerExceptionResolver errors) {
        this.keys = keys;
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            keys.preHandle(request, response, this);
        } catch (RuntimeException e) {
            if (errors.resolveException(request, response, null, e) == null) {
                throw e;
            }
            return;
        }
        chain.doFilter(request, response);
    }
}
