package dev.safetune.api.policy;

import dev.safetune.core.policy.SafetyPolicy;
import dev.safetune.core.policy.SafetyPolicyJson;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The {@code safety_policies} tables in plain SQL. Policies are the platform's, not an organisation's: every tenant's
 * jobs run under them, so no query is scoped to one. Versions are only ever inserted (the database refuses UPDATE and
 * DELETE); the default moves by updating its one pointer row, and a trigger writes the history.
 */
@Component
class SafetyPolicyRepository {
    private static final String COLUMNS = "p.id, p.name, p.version, p.document::text AS document, p.sha256,"
            + " p.created_by, p.created_at, p.reason,"
            + " EXISTS (SELECT 1 FROM safety_policy_default d WHERE d.policy_id = p.id) AS is_default";

    private final JdbcTemplate jdbc;

    SafetyPolicyRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A version as stored, with its parsed document for comparisons. */
    record Stored(SafetyPolicyObject object, SafetyPolicy document) {
        PinnedPolicy pin() {
            return new PinnedPolicy(object.id(), object.version());
        }
    }

    /**
     * Inserts the next version of {@code name}. Two concurrent creations of the same name compute the same version and
     * one fails on the (name, version) key; the caller reports it as a conflict to retry.
     */
    void insertNextVersion(String id, String name, SafetyPolicy document, String createdBy, String reason) {
        jdbc.update(
                """
                INSERT INTO safety_policies (id, name, version, document, sha256, created_by, reason)
                SELECT ?, ?, coalesce(max(version), 0) + 1, CAST(? AS jsonb), ?, ?, ?
                  FROM safety_policies WHERE name = ?""",
                id,
                name,
                SafetyPolicyJson.canonical(document),
                SafetyPolicyJson.sha256(document),
                createdBy,
                reason,
                name);
    }

    Optional<Stored> find(String id) {
        return jdbc
                .query(
                        "SELECT " + COLUMNS + " FROM safety_policies p WHERE p.id = ?",
                        SafetyPolicyRepository::toStored,
                        id)
                .stream()
                .findFirst();
    }

    /** Newest first, optionally only the versions of one name. */
    List<Stored> newest(String name, int fetchSize) {
        return jdbc.query(
                "SELECT " + COLUMNS + " FROM safety_policies p WHERE (CAST(? AS text) IS NULL OR p.name = ?)"
                        + " ORDER BY p.created_at DESC, p.id DESC LIMIT ?",
                SafetyPolicyRepository::toStored,
                name,
                name,
                fetchSize);
    }

    Stored currentDefault() {
        return defaultFrom("SELECT policy_id FROM safety_policy_default WHERE singleton");
    }

    /**
     * The current default for a job being pinned, locked {@code FOR SHARE}: a concurrent move waits until the job
     * commits, so the history's order of moves and pins is the order jobs saw them in.
     */
    Stored currentDefaultForPinning() {
        return defaultFrom("SELECT policy_id FROM safety_policy_default WHERE singleton FOR SHARE");
    }

    private Stored defaultFrom(String query) {
        String id = jdbc.queryForObject(query, String.class);
        return find(id).orElseThrow(() -> new IllegalStateException("the default policy " + id + " is missing"));
    }

    void moveDefault(String policyId, String setBy, String reason) {
        jdbc.update(
                "UPDATE safety_policy_default SET policy_id = ?, set_by = ?, set_at = now(), reason = ? WHERE singleton",
                policyId,
                setBy,
                reason);
    }

    /** Newest first. */
    List<DefaultChangeObject> defaultHistory(int fetchSize) {
        return jdbc.query(
                """
                SELECT id, policy_id, previous_policy_id, set_by, set_at, reason
                  FROM safety_policy_default_history ORDER BY id DESC LIMIT ?""",
                (rs, row) -> new DefaultChangeObject(
                        rs.getLong("id"),
                        DefaultChangeObject.OBJECT,
                        rs.getString("policy_id"),
                        rs.getString("previous_policy_id"),
                        rs.getString("set_by"),
                        rs.getTimestamp("set_at").toInstant().getEpochSecond(),
                        rs.getString("reason")),
                fetchSize);
    }

    private static Stored toStored(ResultSet rs, int row) throws SQLException {
        SafetyPolicy document = SafetyPolicyJson.read(rs.getString("document"));
        return new Stored(
                new SafetyPolicyObject(
                        rs.getString("id"),
                        SafetyPolicyObject.OBJECT,
                        rs.getString("name"),
                        rs.getInt("version"),
                        SafetyPolicyJson.tree(document),
                        rs.getString("sha256"),
                        rs.getString("created_by"),
                        rs.getTimestamp("created_at").toInstant().getEpochSecond(),
                        rs.getString("reason"),
                        rs.getBoolean("is_default")),
                document);
    }
}
