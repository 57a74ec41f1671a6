package dev.safetune.core.model;

import dev.safetune.core.audit.GateDecision;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;

/**
 * The one writer of the {@code models} table: base models found in a models directory (the API's scan), base models
 * imported with provenance (the registry), and fine-tuned models published when their job ends. Plain JDBC on the
 * caller's connection, so each write joins the caller's transaction (a fine-tuned model appears exactly when its
 * job's success commits) and the API and the worker share it without sharing a framework. The release gate decides
 * here, in {@link #publishFineTuned}, when a fine-tuned model becomes visible.
 */
public final class ModelCatalog {

    /** A base model as its directory's {@code config.json} describes it; null facts are unknown. */
    public record ScannedBase(
            String id,
            String storagePath,
            String family,
            String architecture,
            Long parameters,
            Integer context,
            String shapeJson) {}

    /** An imported base model: verified content ({@code contentDigest}) and the facts of its config. */
    public record ImportedBase(
            String id,
            String storagePath,
            String family,
            String architecture,
            Long parameters,
            Integer context,
            String licence,
            String shapeJson,
            String contentDigest) {}

    /**
     * Adds or refreshes a base model found by a directory scan. A tenant's fine-tuned model never has its row taken
     * over by a directory of the same name, nor an imported base model (content digest set: verified, with
     * provenance); an unchanged model is not rewritten. The licence is the importer's to record, not the scan's.
     */
    public void upsertScannedBase(Connection connection, ScannedBase base) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("""
                INSERT INTO models (id, kind, storage_path, family, architecture, parameters, context_length, shape)
                VALUES (?, 'base', ?, ?, ?, ?, ?, CAST(? AS jsonb))
                ON CONFLICT (id) DO UPDATE
                   SET storage_path = EXCLUDED.storage_path, family = EXCLUDED.family,
                       architecture = EXCLUDED.architecture, parameters = EXCLUDED.parameters,
                       context_length = EXCLUDED.context_length, shape = EXCLUDED.shape
                WHERE models.kind = 'base' AND models.content_digest IS NULL
                  AND (models.storage_path, models.family, models.architecture, models.parameters,
                       models.context_length, models.shape)
                      IS DISTINCT FROM (EXCLUDED.storage_path, EXCLUDED.family, EXCLUDED.architecture,
                                        EXCLUDED.parameters, EXCLUDED.context_length, EXCLUDED.shape)""")) {
            s.setString(1, base.id());
            s.setString(2, base.storagePath());
            s.setString(3, base.family());
            s.setString(4, base.architecture());
            s.setObject(5, base.parameters(), Types.BIGINT);
            s.setObject(6, base.context(), Types.INTEGER);
            s.setString(7, base.shapeJson());
            s.executeUpdate();
        }
    }

    /** Registers an imported base model under a free id. */
    public void insertImportedBase(Connection connection, ImportedBase base) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("""
                INSERT INTO models (storage_path, family, architecture, parameters, context_length, licence, shape,
                                    content_digest, id, kind)
                VALUES (?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?, 'base')""")) {
            bindImported(s, base);
            s.executeUpdate();
        }
    }

    /** Replaces the content of an imported base model (the caller decided the replacement is allowed). */
    public void replaceImportedBase(Connection connection, ImportedBase base) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("""
                UPDATE models SET storage_path = ?, family = ?, architecture = ?, parameters = ?, context_length = ?,
                                  licence = ?, shape = CAST(? AS jsonb), content_digest = ?
                WHERE id = ? AND kind = 'base'""")) {
            bindImported(s, base);
            s.executeUpdate();
        }
    }

    private static void bindImported(PreparedStatement s, ImportedBase base) throws SQLException {
        s.setString(1, base.storagePath());
        s.setString(2, base.family());
        s.setString(3, base.architecture());
        s.setObject(4, base.parameters(), Types.BIGINT);
        s.setObject(5, base.context(), Types.INTEGER);
        s.setString(6, base.licence());
        s.setString(7, base.shapeJson());
        s.setString(8, base.contentDigest());
        s.setString(9, base.id());
    }

    /**
     * The release gate's one say over visibility: a fine-tuned model whose audit (or an operator's override) released
     * it is published ({@link #publishFineTuned}); a blocked one gets no row, so it is neither listed nor served nor
     * downloadable.
     *
     * @return whether the model was published
     */
    public boolean publishAudited(
            Connection connection,
            GateDecision decision,
            String id,
            String organizationId,
            String baseModel,
            String jobId,
            String path)
            throws SQLException {
        if (decision != GateDecision.RELEASED) {
            return false;
        }
        publishFineTuned(connection, id, organizationId, baseModel, jobId, path);
        return true;
    }

    /** Makes a job's fine-tuned model visible to its organisation. */
    public void publishFineTuned(
            Connection connection, String id, String organizationId, String baseModel, String jobId, String path)
            throws SQLException {
        try (PreparedStatement s = connection.prepareStatement(
                "INSERT INTO models (id, organization_id, kind, base_model, job_id, storage_path)"
                        + " VALUES (?, ?, 'fine_tuned', ?, ?, ?)")) {
            s.setString(1, id);
            s.setString(2, organizationId);
            s.setString(3, baseModel);
            s.setString(4, jobId);
            s.setString(5, path);
            s.executeUpdate();
        }
    }
}
