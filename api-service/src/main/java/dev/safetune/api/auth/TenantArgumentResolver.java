package dev.safetune.api.auth;

import dev.safetune.api.error.AuthenticationException;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/** Hands controllers the {@link Tenant} that {@link ApiKeyInterceptor} authenticated ({@code /v1}, {@code /admin}). */
class TenantArgumentResolver implements HandlerMethodArgumentResolver {
    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == Tenant.class;
    }

    @Override
    public Tenant resolveArgument(
            MethodParameter parameter,
            ModelAndViewContainer mavContainer,
            NativeWebRequest request,
            WebDataBinderFactory binderFactory) {
        Object tenant = request.getAttribute(Tenant.REQUEST_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
        if (tenant == null) {
            // Only reachable by a controller outside /v1 and /admin asking for a tenant: fail closed.
            throw new AuthenticationException("You didn't provide an API key.");
        }
        return (Tenant) tenant;
    }
}
