package dev.safetune.api.auth;

import dev.safetune.api.web.ApiPaths;
import java.util.List;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Every {@code /v1} route, known or not, requires a key, except the public OpenAPI document; every {@code /admin}
 * route an admin key (importing a base model or changing a policy acts for every organisation: an operator's
 * decision). Controllers receive the resulting {@link Tenant}.
 */
@Configuration(proxyBeanMethods = false)
class AuthWebConfig implements WebMvcConfigurer {
    private final ApiKeyService apiKeys;

    AuthWebConfig(ApiKeyService apiKeys) {
        this.apiKeys = apiKeys;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(ApiKeyInterceptor.anyRole(apiKeys))
                .addPathPatterns(ApiPaths.V1, ApiPaths.V1_PATTERN)
                .excludePathPatterns(ApiPaths.OPENAPI_DOCUMENT);
        registry.addInterceptor(ApiKeyInterceptor.forRole(apiKeys, ApiKeyService.ADMIN_ROLE))
                .addPathPatterns(ApiPaths.ADMIN, ApiPaths.ADMIN_PATTERN);
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new TenantArgumentResolver());
    }
}
