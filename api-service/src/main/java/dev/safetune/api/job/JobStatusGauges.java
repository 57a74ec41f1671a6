package dev.safetune.api.job;

import dev.safetune.api.SafetuneProperties;
import dev.safetune.core.job.JobStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/**
 * Gauge {@code safetune.jobs{status}}: how many jobs are in each status, across tenants. Counted from the database
 * every {@code safetune.job-metrics-interval} rather than per scrape, so scrapes stay cheap whatever their rate.
 */
@Component
class JobStatusGauges implements SchedulingConfigurer {
    private static final Logger log = LoggerFactory.getLogger(JobStatusGauges.class);

    private final JdbcTemplate jdbc;
    private final Duration interval;
    private final Map<JobStatus, AtomicLong> counts = new EnumMap<>(JobStatus.class);

    JobStatusGauges(JdbcTemplate jdbc, SafetuneProperties properties, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.interval = properties.jobMetricsInterval();
        for (JobStatus status : JobStatus.values()) {
            AtomicLong count = new AtomicLong();
            counts.put(status, count);
            Gauge.builder("safetune.jobs", count, AtomicLong::get)
                    .description("Fine-tuning jobs by status")
                    .tag("status", status.wireName())
                    .register(meters);
        }
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        registrar.addFixedDelayTask(new FixedDelayTask(this::refreshQuietly, interval, Duration.ZERO));
    }

    void refresh() {
        Map<JobStatus, Long> fresh = new EnumMap<>(JobStatus.class);
        jdbc.query("SELECT status, count(*) FROM fine_tuning_jobs GROUP BY status", rs -> {
            fresh.put(JobStatus.fromWire(rs.getString(1)), rs.getLong(2));
        });
        counts.forEach((status, count) -> count.set(fresh.getOrDefault(status, 0L)));
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // Keep the last counts; the next refresh retries.
            log.warn("Counting jobs by status failed: {}", e.toString());
        }
    }
}
