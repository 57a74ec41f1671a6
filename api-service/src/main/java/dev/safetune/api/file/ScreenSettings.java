package dev.safetune.api.file;

import dev.safetune.safeguards.screen.ExampleScreener;
import dev.safetune.safeguards.screen.ScreenRules;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the upload screen runs with: the built-in rules, and the thresholds that decide. The thresholds come from
 * {@link ScreenRules#defaults()} until the safety policy document carries a {@code screen} section; then this bean
 * reads them from the policy, and nothing else changes.
 */
@Configuration
class ScreenSettings {
    @Bean
    ExampleScreener exampleScreener() {
        return ExampleScreener.builtIn();
    }

    @Bean
    ScreenRules screenRules() {
        return ScreenRules.defaults();
    }
}
