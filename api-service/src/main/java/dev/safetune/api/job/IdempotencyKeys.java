package dev.safetune.api.job;

import dev.safetune.api.error.ConflictException;
import dev.safetune.api.error.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.FixedDelayTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code Idempotency-Key} for job creation, per organisation, for {@value #TTL_HOURS} hours. The key is reserved
 * <em>first</em>, in the creating transaction: a concurrent request with the same key waits on that row until the
 * first commits (then sees its job) or rolls back (then creates its own). A request that fails validation rolls back
 * and leaves no key behind, so the corrected request can reuse it.
 */
@Component
class IdempotencyKeys implements SchedulingConfigurer {
    private static final Logger log = LoggerFactory.getLogger(IdempotencyKeys.class);
    static final int TTL_HOURS = 24;
    static final int MAX_KEY_LENGTH = 255;
    private static final Duration PURGE_INTERVAL = Duration.ofHours(1);

    /** Bodies that differ only in key order or whitespace are the same request. */
    private static final JsonMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private final JdbcTemplate jdbc;

    IdempotencyKeys(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Reserves {@code key} for this request, or returns the job an earlier identical request created. Must run in the
     * transaction that creates the job, which then calls {@link #complete}.
     *
     * @throws ConflictException when the key was used within {@value #TTL_HOURS} hours for a different request
     */
    Optional<String> reserveOrReplay(String organizationId, String key, CreateJobRequest request) {
        if (key.isBlank() || key.length() > MAX_KEY_LENGTH) {
            throw new InvalidRequestException(
                    null,
                    "invalid_idempotency_key",
                    "The Idempotency-Key header must be 1 to " + MAX_KEY_LENGTH + " characters long.");
        }
        String hash = hash(request);
        boolean reserved = !jdbc.queryForList("""
                        INSERT INTO idempotency_keys (organization_id, key, request_hash) VALUES (?, ?, ?)
                        ON CONFLICT (organization_id, key) DO UPDATE
                        SET request_hash = EXCLUDED.request_hash, job_id = NULL, created_at = now()
                        WHERE idempotency_keys.created_at < now() - make_interval(hours => ?)
                        RETURNING 1""", Integer.class, organizationId, key, hash, TTL_HOURS)
                .isEmpty();
        if (reserved) {
            return Optional.empty();
        }
        record Earlier(String requestHash, String jobId) {}
        Earlier earlier = jdbc.queryForObject(
                "SELECT request_hash, job_id FROM idempotency_keys WHERE organization_id = ? AND key = ?",
                (rs, row) -> new Earlier(rs.getString(1), rs.getString(2)),
                organizationId,
                key);
        if (!earlier.requestHash().equals(hash)) {
            throw new ConflictException(
                    "idempotency_key_reused",
                    null,
                    "This Idempotency-Key was already used with a different request body in the last " + TTL_HOURS
                            + " hours; use a new key for a new request.");
        }
        return Optional.of(earlier.jobId());
    }

    void complete(String organizationId, String key, String jobId) {
        jdbc.update(
                "UPDATE idempotency_keys SET job_id = ? WHERE organization_id = ? AND key = ?",
                jobId,
                organizationId,
                key);
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        registrar.addFixedDelayTask(new FixedDelayTask(this::purgeQuietly, PURGE_INTERVAL, PURGE_INTERVAL));
    }

    /** Expired keys are ignored anyway; purging only keeps the table small. */
    int purge() {
        return jdbc.update(
                "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => ?)", TTL_HOURS);
    }

    private void purgeQuietly() {
        try {
            purge();
        } catch (RuntimeException e) {
            log.warn("Purging expired idempotency keys failed: {}", e.toString());
        }
    }

    private static String hash(CreateJobRequest request) {
        try {
            byte[] canonical = CANONICAL.writeValueAsString(request).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
