package dev.safetune.api.modelimport;

import dev.safetune.api.auth.ApiKeyService;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Every model-import route, known or not, needs an admin key. */
@Configuration(proxyBeanMethods = false)
class ModelImportWebConfig implements WebMvcConfigurer {
    private final ApiKeyService apiKeys;

    ModelImportWebConfig(ApiKeyService apiKeys) {
        this.apiKeys = apiKeys;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new AdminKeyInterceptor(apiKeys))
                .addPathPatterns(ModelImportController.PATH, ModelImportController.PATH + "/**");
    }
}
