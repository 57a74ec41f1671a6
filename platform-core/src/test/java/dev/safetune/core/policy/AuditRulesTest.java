package dev.safetune.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AuditRulesTest {
    @Test
    void anAbsentFieldTakesTheDefaultsAndProbeTriggersStaysAsGiven() {
        AuditRules section = new AuditRules(null, 40, null, null, null, null);

        AuditRules resolved = section.withDefaults();

        assertThat(resolved).isEqualTo(new AuditRules("auto", 40, 0.05, 0.5, false, 3));
        assertThat(resolved.withDefaults()).isEqualTo(resolved);
    }

    @Test
    void anUnknownSuiteRunsTheDefaultsChoiceAndAKnownOneIsKept() {
        assertThat(new AuditRules("my-suite", 10, 0.1, 0.2, true, 2)
                        .withDefaults()
                        .suite())
                .isEqualTo("auto");
        assertThat(new AuditRules("em-paper", 10, 0.1, 0.2, true, 2).withDefaults())
                .isEqualTo(new AuditRules("em-paper", 10, 0.1, 0.2, true, 2));
    }

    @Test
    void theDefaultIsComplete() {
        assertThat(AuditRules.DEFAULT.withDefaults()).isEqualTo(AuditRules.DEFAULT);
        assertThat(new SafetyPolicy(null, AuditRules.DEFAULT, null).violations())
                .isEmpty();
    }
}
