package dev.safetune.api.auth;

import dev.safetune.api.web.ApiPaths;
import java.util.List;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Every {@code /v1} route, known or not, requires a key, except the public OpenAPI document; controllers receive the
 * resulting {@link Tenant}.
 */
@Configuration(proxyBeanMethods = false)
class AuthWebConfig implements WebMvcConfigurer {
    private final ApiKeyService apiKeys;

    AuthWebConfig(ApiKeyService apiKeys) {
        this.apiKeys = apiKeys;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new ApiKeyInterceptor(apiKeys))
                .addPathPatterns(ApiPaths.V1, ApiPaths.V1_PATTERN)
                .excludePathPatterns(ApiPaths.OPENAPI_DOCUMENT);
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new TenantArgumentResolver());
    }
}
