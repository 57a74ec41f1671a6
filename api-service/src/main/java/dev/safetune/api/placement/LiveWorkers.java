package dev.safetune.api.placement;

import java.time.Duration;
import java.util.OptionalLong;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** The workers that refreshed their {@code workers} row recently, as placement counts them. */
@Repository
class LiveWorkers {
    private final JdbcTemplate jdbc;

    LiveWorkers(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The largest capacity among workers seen within {@code ttl}; empty when none was. */
    OptionalLong largestCapacity(Duration ttl) {
        Long largest = jdbc.queryForObject(
                "SELECT max(memory_bytes) FROM workers WHERE last_seen_at > now() - make_interval(secs => ?)",
                Long.class,
                ttl.toMillis() / 1000.0);
        return largest == null ? OptionalLong.empty() : OptionalLong.of(largest);
    }
}
