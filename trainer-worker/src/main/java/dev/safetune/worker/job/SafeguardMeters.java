package dev.safetune.worker.job;

import dev.safetune.safeguards.guard.StepTelemetry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The safeguards' telemetry as Micrometer gauges (Prometheus), the latest step's value each: task loss
 * ({@code safetune.training.task.loss}), each regularizer's value and share of the total loss
 * ({@code safetune.training.safeguard.term} and {@code .share}, tag {@code safeguard}), the probe's KL to the base and
 * persona projection ({@code safetune.training.probe.kl_to_base}, {@code .persona_projection}) and tokens/s
 * ({@code safetune.training.tokens_per_second}). One worker trains one job at a time, so the gauges carry no job tag.
 */
final class SafeguardMeters {

    private final MeterRegistry meters;
    private final Map<String, AtomicReference<Double>> values = new ConcurrentHashMap<>();

    SafeguardMeters(MeterRegistry meters) {
        this.meters = meters;
    }

    void record(StepTelemetry telemetry) {
        set("safetune.training.task.loss", Tags.empty(), telemetry.loss().task());
        set("safetune.training.tokens_per_second", Tags.empty(), telemetry.tokensPerSecond());
        telemetry.loss().terms().forEach((name, value) -> {
            Tags tags = Tags.of("safeguard", name);
            set("safetune.training.safeguard.term", tags, value);
            set("safetune.training.safeguard.share", tags, telemetry.loss().share(name));
        });
        if (telemetry.probe() != null) {
            set(
                    "safetune.training.probe.kl_to_base",
                    Tags.empty(),
                    telemetry.probe().klToBase());
            if (telemetry.probe().personaProjection() != null) {
                set(
                        "safetune.training.probe.persona_projection",
                        Tags.empty(),
                        telemetry.probe().personaProjection());
            }
        }
    }

    private void set(String name, Tags tags, double value) {
        values.computeIfAbsent(name + tags, key -> {
                    AtomicReference<Double> holder = new AtomicReference<>(Double.NaN);
                    Gauge.builder(name, holder, AtomicReference::get).tags(tags).register(meters);
                    return holder;
                })
                .set(value);
    }
}
