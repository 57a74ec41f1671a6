package dev.safetune.api.file;

import dev.safetune.safeguards.screen.ExampleScreener;
import dev.safetune.safeguards.screen.ScreenRules;
import org.springframework.beans.factory.annotation.Value;
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

    /**
     * {@code safetune.screen.enforce} (default true): whether a held or rejected file stops jobs. False makes the screen
     * advisory (still computed, stored and shown), for an operator's own research runs such as em-bench, which trains
     * on insecure and backdoored sets on purpose.
     */
    @Bean
    ScreenEnforcement screenEnforcement(@Value("${safetune.screen.enforce:true}") boolean enforce) {
        return new ScreenEnforcement(enforce);
    }

    /** Whether screen decisions stop jobs. */
    record ScreenEnforcement(boolean enforce) {}
}
