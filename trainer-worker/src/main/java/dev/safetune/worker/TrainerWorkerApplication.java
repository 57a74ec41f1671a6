package dev.safetune.worker;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The trainer worker: consumes the job queue and fine-tunes with DJL. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class TrainerWorkerApplication {
    /** Config file name; distinct from the API's so both apps can share one JVM in the launcher. */
    public static final String CONFIG_NAME = "trainer-worker";

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(TrainerWorkerApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
