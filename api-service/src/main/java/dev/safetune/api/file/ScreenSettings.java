package dev.safetune.api.file;

import dev.safetune.api.policy.SafetyPolicyPins;
import dev.safetune.core.policy.SafetyPolicies;
import dev.safetune.safeguards.screen.ExampleScreener;
import dev.safetune.safeguards.screen.ScreenRules;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the upload screen runs with: the built-in rules that find, and the current default safety policy's
 * {@code screen} section that decides. The policy is the one source of the thresholds; the safety team changes them by
 * moving the default (docs/safety-policies.md), and each report names the version that decided.
 */
@Configuration
class ScreenSettings {
    @Bean
    ExampleScreener exampleScreener() {
        return ExampleScreener.builtIn();
    }

    @Bean
    CurrentScreenRules currentScreenRules(SafetyPolicyPins policies) {
        return () -> {
            SafetyPolicies.Version policy = policies.currentDefault();
            return ScreenRules.fromPolicy(policy.id(), policy.version(), policy.document());
        };
    }

    /** The rules of the default policy at the moment of asking (read per upload, so a moved default applies at once). */
    @FunctionalInterface
    interface CurrentScreenRules {
        ScreenRules get();
    }
}
