package dev.safetune.api.web;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Every {@code /v1} route refuses query parameters it does not read ({@link KnownQueryParameters}). */
@Configuration(proxyBeanMethods = false)
class QueryParameterConfig implements WebMvcConfigurer {
    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        // After the key check (order 0): a request without a key learns that first, whatever its parameters.
        registry.addInterceptor(new KnownQueryParameters())
                .addPathPatterns(ApiPaths.V1, ApiPaths.V1_PATTERN)
                .order(1);
    }
}
