package dev.safetune.worker.registry;

import dev.safetune.core.model.ModelCatalog;
import dev.safetune.core.model.ModelShape;
import dev.safetune.worker.registry.ImportedModel.Outcome;
import dev.safetune.worker.registry.ModelImportException.Code;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;

/**
 * Writes an imported base model into PostgreSQL: its {@code models} row (kind {@code base}, storage path, the facts
 * listings and memory estimates read; written by the {@link ModelCatalog}, the table's one writer) and its
 * {@code model_provenance}, in one transaction.
 *
 * <p>Jobs and fine-tuned models name a base model by id, so an id keeps its content: importing the same content
 * again changes nothing, other content under a taken id is refused unless the request says to replace it. Two
 * imports of one id at once are serialised by a transaction-scoped advisory lock on the id.
 */
final class ModelRegistry {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DataSource dataSource;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final ModelCatalog catalog = new ModelCatalog();

    ModelRegistry(DataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbc = JdbcClient.create(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /** Where an imported model came from, as {@code model_provenance} records it. */
    record Provenance(
            String source,
            String repoId,
            String revision,
            String commit,
            String endpoint,
            String sourcePath,
            List<ModelFile> files,
            Optional<String> licence) {}

    /** A validated model in the store, to register under {@code id}. */
    record Registration(
            String id,
            Path storagePath,
            String contentDigest,
            ModelShape shape,
            Provenance provenance,
            boolean replace) {}

    /** What the registry holds under an id. */
    record Existing(String kind, String contentDigest, String storagePath, String source) {}

    /** The current holder of {@code id}, if any (for refusing early, before anything is downloaded). */
    Optional<Existing> find(String id) {
        return jdbc.sql("""
                        SELECT m.kind, m.content_digest, m.storage_path,
                               coalesce('hf:' || p.repo_id || '@' || p.commit_sha, 'dir:' || p.source_path) AS source
                        FROM models m LEFT JOIN model_provenance p ON p.model_id = m.id
                        WHERE m.id = :id""")
                .param("id", id)
                .query((rs, n) -> new Existing(
                        rs.getString("kind"),
                        rs.getString("content_digest"),
                        rs.getString("storage_path"),
                        rs.getString("source")))
                .optional();
    }

    /**
     * Throws the refusal a registration of {@code contentDigest} under {@code id} would meet, when it would be
     * refused.
     */
    static void checkReplaceable(String id, Existing existing, String contentDigest, boolean replace) {
        if (!"base".equals(existing.kind())) {
            throw new ModelImportException(
                    Code.MODEL_EXISTS, "model_id", "\"" + id + "\" is a fine-tuned model's id; choose another id");
        }
        if (!replace && !contentDigest.equals(existing.contentDigest())) {
            throw new ModelImportException(
                    Code.MODEL_EXISTS,
                    "model_id",
                    "base model \"" + id + "\" is already registered with other content ("
                            + (existing.contentDigest() == null
                                    ? existing.storagePath()
                                    : "digest " + existing.contentDigest() + ", from " + existing.source())
                            + "); import under another id, or replace it explicitly");
        }
    }

    Outcome register(Registration registration) {
        return tx.execute(status -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('safetune.models:' || :id))")
                    .param("id", registration.id())
                    .query()
                    .listOfRows();
            Optional<Existing> existing = jdbc.sql(
                            "SELECT kind, content_digest, storage_path FROM models WHERE id = :id FOR UPDATE")
                    .param("id", registration.id())
                    .query((rs, n) -> new Existing(
                            rs.getString("kind"), rs.getString("content_digest"), rs.getString("storage_path"), null))
                    .optional();
            if (existing.isEmpty()) {
                insertModel(registration);
                upsertProvenance(registration);
                return Outcome.REGISTERED;
            }
            checkReplaceable(registration.id(), existing.get(), registration.contentDigest(), registration.replace());
            if (registration.contentDigest().equals(existing.get().contentDigest())) {
                return Outcome.UNCHANGED;
            }
            updateModel(registration);
            upsertProvenance(registration);
            return Outcome.REPLACED;
        });
    }

    private void insertModel(Registration r) {
        onTransactionConnection(c -> catalog.insertImportedBase(c, imported(r)));
    }

    private void updateModel(Registration r) {
        onTransactionConnection(c -> catalog.replaceImportedBase(c, imported(r)));
    }

    /** The {@code models} row is the catalogue's to write; it joins this transaction through its connection. */
    private void onTransactionConnection(SqlWrite write) {
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            write.apply(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("writing the models row failed: " + e.getMessage(), e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    @FunctionalInterface
    private interface SqlWrite {
        void apply(Connection connection) throws SQLException;
    }

    private static ModelCatalog.ImportedBase imported(Registration r) {
        ModelShape shape = r.shape();
        return new ModelCatalog.ImportedBase(
                r.id(),
                r.storagePath().toString(),
                shape.family(),
                shape.architecture(),
                shape.parameterCount(),
                shape.maxPositionEmbeddings(),
                r.provenance().licence().orElse(null),
                JSON.writeValueAsString(shape.toJson()),
                r.contentDigest());
    }

    private void upsertProvenance(Registration r) {
        Provenance p = r.provenance();
        ArrayNode files = JSON.createArrayNode();
        for (ModelFile file : p.files()) {
            files.addObject().put("path", file.path()).put("size", file.size()).put("sha256", file.sha256());
        }
        jdbc.sql("""
                        INSERT INTO model_provenance (model_id, source, repo_id, revision, commit_sha, endpoint,
                                                      source_path, files, content_digest, licence)
                        VALUES (:id, :source, :repo, :revision, :commit, :endpoint, :path, CAST(:files AS jsonb),
                                :digest, :licence)
                        ON CONFLICT (model_id) DO UPDATE SET
                            source = EXCLUDED.source, repo_id = EXCLUDED.repo_id, revision = EXCLUDED.revision,
                            commit_sha = EXCLUDED.commit_sha, endpoint = EXCLUDED.endpoint,
                            source_path = EXCLUDED.source_path, files = EXCLUDED.files,
                            content_digest = EXCLUDED.content_digest, licence = EXCLUDED.licence,
                            imported_at = now()""")
                .param("id", r.id())
                .param("source", p.source())
                .param("repo", p.repoId())
                .param("revision", p.revision())
                .param("commit", p.commit())
                .param("endpoint", p.endpoint())
                .param("path", p.sourcePath())
                .param("files", JSON.writeValueAsString(files))
                .param("digest", r.contentDigest())
                .param("licence", p.licence().orElse(null))
                .update();
    }
}
