package dev.safetune.api.job;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Wakes idle workers, which {@code LISTEN} on {@value #CHANNEL}, when a job is queued. PostgreSQL delivers the
 * notification only when the enqueuing transaction commits, so a worker never wakes for a job it cannot see yet.
 * Workers also poll, so a lost notification only delays a job.
 */
@Component
class JobQueueNotifier {
    static final String CHANNEL = "safetune_jobs";

    private final JdbcTemplate jdbc;

    JobQueueNotifier(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    void jobQueued(String jobId) {
        jdbc.query("SELECT pg_notify(?, ?)", rs -> {}, CHANNEL, jobId);
    }
}
