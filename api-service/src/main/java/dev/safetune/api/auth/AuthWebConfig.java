package dev.safetune.api.auth;

import dev.safetune.api.web.ApiPaths;
import java.util.List;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Every {@code /v1} route, known or not, requires a member key, except the public OpenAPI document; every
 * {@code /admin} route an operator's key, and the actuator's metrics an admin key ({@link RouteAccess} holds the
 * table). Controllers receive the resulting {@link Tenant}.
 */
@Configuration(proxyBeanMethods = false)
class AuthWebConfig implements WebMvcConfigurer {
    private final ApiKeyInterceptor interceptor;

    AuthWebConfig(ApiKeyService apiKeys) {
        this.interceptor = new ApiKeyInterceptor(apiKeys);
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(interceptor)
                .addPathPatterns(ApiPaths.V1, ApiPaths.V1_PATTERN, ApiPaths.ADMIN, ApiPaths.ADMIN_PATTERN);
    }

    @Bean
    FilterRegistrationBean<ActuatorKeyFilter> actuatorKeyFilter(
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver errors) {
        FilterRegistrationBean<ActuatorKeyFilter> registration =
                new FilterRegistrationBean<>(new ActuatorKeyFilter(interceptor, errors));
        registration.addUrlPatterns(RouteAccess.ACTUATOR + "/*");
        return registration;
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new TenantArgumentResolver());
    }
}
