package dev.safetune.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The customer-facing API: OpenAI-compatible {@code /v1} files, fine-tuning jobs and models.
 *
 * <p>The launcher hosts this app and the trainer worker in one JVM, so each reads its own config file: this one reads
 * {@code api-service.yml}. Start it through {@link #start(Map, String...)} or {@link #builder()} so that name is always
 * set.
 */
@SpringBootApplication
@EnableScheduling
@EnableConfigurationProperties(SafetuneProperties.class)
public class ApiServiceApplication {
    public static final String CONFIG_NAME = "api-service";

    /**
     * Starts the API with {@code overrides} (e.g. {@code spring.datasource.url}, {@code server.port},
     * {@code safetune.artifacts-dir}) taking precedence over {@code api-service.yml}, as command-line arguments do.
     * Nothing is set JVM-wide, so another app in the same JVM does not see them.
     */
    public static ConfigurableApplicationContext start(Map<String, ?> overrides, String... args) {
        List<String> arguments = new ArrayList<>();
        overrides.forEach((name, value) -> arguments.add("--" + name + "=" + value));
        arguments.addAll(List.of(args));
        return builder().run(arguments.toArray(String[]::new));
    }

    /**
     * A builder with the config name set. Note that {@link SpringApplicationBuilder#properties} are defaults, which
     * {@code api-service.yml} overrides: pass settings as {@code --name=value} arguments to {@code run}, or use
     * {@link #start(Map, String...)}.
     */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(ApiServiceApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
