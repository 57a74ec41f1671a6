package dev.safetune.core.policy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Reads stored policy versions in plain JDBC, so the worker (and the audit) read exactly what the API pinned without
 * sharing a framework. Versions are immutable rows of {@code safety_policies}; a job names its version in
 * {@code fine_tuning_jobs.safety_policy_id}, fixed when the job was created.
 */
public final class SafetyPolicies {
    private final DataSource dataSource;

    public SafetyPolicies(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** A stored version: its identity and its document. */
    public record Version(String id, String name, int version, String sha256, SafetyPolicy document) {}

    /**
     * The document the job is pinned to. A job created before policies existed has none and reads as
     * {@link SafetyPolicy#NONE} (it trained without safeguards then, and trains without them when resumed).
     *
     * @throws IllegalArgumentException when there is no such job
     */
    public SafetyPolicy forJob(String jobId) {
        return versionForJob(jobId).map(Version::document).orElse(SafetyPolicy.NONE);
    }

    /** The version the job is pinned to; empty for a job created before policies existed. */
    public Optional<Version> versionForJob(String jobId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("""
                        SELECT j.safety_policy_id IS NOT NULL AS pinned, p.id, p.name, p.version, p.sha256,
                               p.document::text AS document
                          FROM fine_tuning_jobs j
                          LEFT JOIN safety_policies p ON p.id = j.safety_policy_id
                         WHERE j.id = ?""")) {
            s.setString(1, jobId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("no fine-tuning job " + jobId);
                }
                return rs.getBoolean("pinned") ? Optional.of(version(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the safety policy of job " + jobId, e);
        }
    }

    /** A version by id. */
    public Optional<Version> find(String policyId) {
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement(
                        "SELECT id, name, version, sha256, document::text AS document FROM safety_policies WHERE id = ?")) {
            s.setString(1, policyId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(version(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read safety policy " + policyId, e);
        }
    }

    /**
     * Parses a stored document. It was validated when it was stored; one that no longer reads (a bound tightened
     * since) fails loudly rather than training under a guess.
     */
    private static Version version(ResultSet rs) throws SQLException {
        return new Version(
                rs.getString("id"),
                rs.getString("name"),
                rs.getInt("version"),
                rs.getString("sha256"),
                SafetyPolicyJson.read(rs.getString("document")));
    }
}
