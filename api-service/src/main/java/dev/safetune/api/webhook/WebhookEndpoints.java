package dev.safetune.api.webhook;

import dev.safetune.api.error.InvalidRequestException;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Endpoints and their deliveries, in plain SQL: the trigger and the dispatcher work on these tables directly, so the
 * API reads them the same way. Every query names the organisation.
 */
@Component
class WebhookEndpoints {
    private static final String ENDPOINT_COLUMNS = "id, url, events, created_at";

    private final JdbcTemplate jdbc;

    WebhookEndpoints(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    void insert(String id, String organizationId, String url, List<String> events, String secret, Instant now) {
        jdbc.update(
                "INSERT INTO webhook_endpoints (id, organization_id, url, events, secret, created_at)"
                        + " VALUES (?, ?, ?, ?::text[], ?, ?)",
                id,
                organizationId,
                url,
                events == null ? null : events.toArray(String[]::new),
                secret,
                Timestamp.from(now));
    }

    int countByOrganizationId(String organizationId) {
        return jdbc.queryForObject(
                "SELECT count(*) FROM webhook_endpoints WHERE organization_id = ?", Integer.class, organizationId);
    }

    List<WebhookObject> findByOrganizationId(String organizationId) {
        return jdbc.query(
                "SELECT " + ENDPOINT_COLUMNS + " FROM webhook_endpoints WHERE organization_id = ?"
                        + " ORDER BY created_at DESC, id DESC",
                WebhookEndpoints::toObject,
                organizationId);
    }

    Optional<WebhookObject> findByIdAndOrganizationId(String id, String organizationId) {
        return jdbc
                .query(
                        "SELECT " + ENDPOINT_COLUMNS + " FROM webhook_endpoints WHERE id = ? AND organization_id = ?",
                        WebhookEndpoints::toObject,
                        id,
                        organizationId)
                .stream()
                .findFirst();
    }

    /** Deletes the endpoint with its deliveries, pending ones included: nothing more is sent to it. */
    boolean deleteByIdAndOrganizationId(String id, String organizationId) {
        return jdbc.update("DELETE FROM webhook_endpoints WHERE id = ? AND organization_id = ?", id, organizationId)
                == 1;
    }

    /** Newest first; {@code after} (a delivery id) means older than that delivery. */
    List<DeliveryObject> deliveries(String endpointId, String organizationId, String after, int fetchSize) {
        String sql = """
                SELECT d.id, d.endpoint_id, d.event_id, ev.type, ev.job_id, d.status, d.attempts, d.last_http_status,
                       d.last_error, d.created_at, d.next_attempt_at, d.delivered_at
                FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
                WHERE d.endpoint_id = ? AND d.organization_id = ?""";
        if (after == null) {
            return jdbc.query(
                    sql + " ORDER BY d.id DESC LIMIT ?",
                    WebhookEndpoints::toDelivery,
                    endpointId,
                    organizationId,
                    fetchSize);
        }
        return jdbc.query(
                sql + " AND d.id < ? ORDER BY d.id DESC LIMIT ?",
                WebhookEndpoints::toDelivery,
                endpointId,
                organizationId,
                parseDeliveryId(after),
                fetchSize);
    }

    private static WebhookObject toObject(ResultSet rs, int row) throws SQLException {
        Array events = rs.getArray("events");
        return new WebhookObject(
                rs.getString("id"),
                WebhookObject.OBJECT,
                rs.getString("url"),
                events == null ? null : Arrays.asList((String[]) events.getArray()),
                rs.getTimestamp("created_at").toInstant().getEpochSecond(),
                null);
    }

    private static DeliveryObject toDelivery(ResultSet rs, int row) throws SQLException {
        String status = rs.getString("status");
        return new DeliveryObject(
                DeliveryObject.ID_PREFIX + rs.getLong("id"),
                DeliveryObject.OBJECT,
                rs.getString("endpoint_id"),
                rs.getString("event_id"),
                rs.getString("type"),
                rs.getString("job_id"),
                status,
                rs.getInt("attempts"),
                (Integer) rs.getObject("last_http_status"),
                rs.getString("last_error"),
                rs.getTimestamp("created_at").toInstant().getEpochSecond(),
                "pending".equals(status) ? epochSeconds(rs.getTimestamp("next_attempt_at")) : null,
                epochSeconds(rs.getTimestamp("delivered_at")));
    }

    private static Long epochSeconds(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant().getEpochSecond();
    }

    private static long parseDeliveryId(String id) {
        if (id.startsWith(DeliveryObject.ID_PREFIX)) {
            try {
                return Long.parseLong(id.substring(DeliveryObject.ID_PREFIX.length()));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new InvalidRequestException(
                "after", "invalid_value", "Invalid 'after': '" + id + "' is not a webhook delivery id.");
    }
}
