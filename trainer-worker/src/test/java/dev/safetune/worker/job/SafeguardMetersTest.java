package dev.safetune.worker.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.safetune.safeguards.guard.LossBreakdown;
import dev.safetune.safeguards.guard.ProbeReading;
import dev.safetune.safeguards.guard.StepTelemetry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafeguardMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SafeguardMeters meters = new SafeguardMeters(registry);

    @Test
    void gaugesShowTheLatestStepsTermsSharesAndProbe() {
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("kl_to_reference", 0.5);
        terms.put("feature_l2", 1.5);
        meters.record(new StepTelemetry(3, new LossBreakdown(2.0, terms), new ProbeReading(0.25, 1.2, 0.9), 3, 800));
        terms.put("kl_to_reference", 1.0);
        meters.record(new StepTelemetry(4, new LossBreakdown(1.0, terms), null, 3, 900));

        assertThat(gauge("safetune.training.task.loss", null)).isEqualTo(1.0);
        assertThat(gauge("safetune.training.safeguard.term", "kl_to_reference")).isEqualTo(1.0);
        assertThat(gauge("safetune.training.safeguard.share", "feature_l2")).isCloseTo(1.5 / 3.5, within(1e-12));
        assertThat(gauge("safetune.training.probe.kl_to_base", null)).isEqualTo(0.25);
        assertThat(gauge("safetune.training.probe.persona_projection", null)).isEqualTo(1.2);
        assertThat(gauge("safetune.training.tokens_per_second", null)).isEqualTo(900);
        assertThat(registry.find("safetune.training.safeguard.term").gauges()).hasSize(2);
    }

    private double gauge(String name, String safeguard) {
        var search = registry.find(name);
        if (safeguard != null) {
            search = search.tag("safeguard", safeguard);
        }
        return search.gauge().value();
    }
}
