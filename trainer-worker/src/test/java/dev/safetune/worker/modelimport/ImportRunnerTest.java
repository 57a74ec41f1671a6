package dev.safetune.worker.modelimport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetune.core.modelimport.ImportStatus;
import dev.safetune.runtime.generators.TestModels;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.registry.FakeHub;
import dev.safetune.worker.registry.ModelImporter;
import dev.safetune.worker.registry.hub.HubSettings;
import dev.safetune.worker.work.LeasedWorkQueue;
import dev.safetune.worker.work.NotificationSignal;
import dev.safetune.worker.work.WorkLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Imports queued as the admin API queues them, run by the import runner with the real importer into a real store and
 * PostgreSQL: what the row and the registry hold afterwards.
 */
class ImportRunnerTest {
    private static final String WORKER = "worker-test";

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    private static Path model;

    @TempDir
    Path artifacts;

    private JdbcClient jdbc;
    private ImportQueue queue;

    @BeforeAll
    static void setUpClass(@TempDir Path models) throws IOException {
        model = TestModels.tiny(models.resolve("tiny-import"), 1);
    }

    @BeforeEach
    void setUp() {
        jdbc = JdbcClient.create(database.dataSource());
        queue = new ImportQueue(jdbc, tx(), IMPORTS.policy());
        jdbc.sql("TRUNCATE model_imports, models, model_provenance CASCADE").update();
    }

    private static final ModelImportProperties IMPORTS = new ModelImportProperties(
            true, Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(3), Duration.ofMillis(100), 3);

    private static TransactionTemplate tx() {
        return new TransactionTemplate(new DataSourceTransactionManager(database.dataSource()));
    }

    private WorkLoop<ClaimedImport> runner(Duration pollInterval) {
        return runner(pollInterval, HubSettings.defaults());
    }

    /** @param hub the Hub settings the worker read from its environment ({@code HF_ENDPOINT}, {@code HF_TOKEN}) */
    private WorkLoop<ClaimedImport> runner(Duration pollInterval, HubSettings hub) {
        ModelImporter importer = new ModelImporter(database.dataSource(), artifacts, hub);
        return new WorkLoop<>(
                new LeasedWorkQueue(jdbc, tx()),
                new ImportRunner(queue, importer, IMPORTS),
                new NotificationSignal(database.dataSource(), ImportStatus.CHANNEL),
                pollInterval,
                WORKER);
    }

    private static HubSettings hubSettings(FakeHub hub, Optional<String> token) {
        return HubSettings.of(hub.endpoint(), token).withRetries(2, Duration.ofMillis(10));
    }

    private void enqueue(String id, String source, String modelId) {
        jdbc.sql("INSERT INTO model_imports (id, source, model_id, status) VALUES (:id, :source, :model, 'queued')")
                .param("id", id)
                .param("source", source)
                .param("model", modelId)
                .update();
    }

    private Map<String, Object> row(String id) {
        return jdbc.sql("SELECT * FROM model_imports WHERE id = :id")
                .param("id", id)
                .query()
                .singleRow();
    }

    private static long modelBytes() throws IOException {
        try (Stream<Path> files = Files.list(model)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(f -> f.toFile().length())
                    .sum();
        }
    }

    @Test
    void aQueuedDirectoryImportSucceedsAndRegistersTheModel() throws Exception {
        enqueue("mi-dir", "dir:" + model, null);

        assertThat(runner(Duration.ofSeconds(5)).runNext()).isTrue();

        Map<String, Object> row = row("mi-dir");
        assertThat(row.get("status")).isEqualTo("succeeded");
        assertThat(row.get("model_id")).as("derived from the directory name").isEqualTo("tiny-import");
        assertThat(row.get("error_code")).isNull();
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat(row.get("locked_by")).isEqualTo(WORKER);
        assertThat(row.get("lease_until")).isNull();
        assertThat(row.get("started_at")).isNotNull();
        assertThat(row.get("finished_at")).isNotNull();
        assertThat((String) row.get("message")).startsWith("registered tiny-import (llama, ");
        // Every file the runtime needs was copied; the generator writes nothing else.
        assertThat(row.get("bytes_done")).isEqualTo(modelBytes());
        assertThat(row.get("bytes_total")).isEqualTo(modelBytes());
        Map<String, Object> registered = jdbc.sql(
                        "SELECT m.kind, m.storage_path, m.content_digest, p.source, p.source_path"
                                + " FROM models m JOIN model_provenance p ON p.model_id = m.id WHERE m.id = 'tiny-import'")
                .query()
                .singleRow();
        assertThat(registered.get("kind")).isEqualTo("base");
        assertThat(registered.get("source")).isEqualTo("dir");
        assertThat(registered.get("source_path")).isEqualTo(model.toString());
        assertThat(Path.of((String) registered.get("storage_path")))
                .isEqualTo(artifacts.resolve("models/snapshots").resolve((String) registered.get("content_digest")))
                .isDirectory();
    }

    @Test
    void aHubImportDownloadsRegistersAndRecordsTheCommit() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            FakeHub.Repo repo = hub.publish("safetune-test/Tiny-Llama", model, Map.of());
            enqueue("mi-hub", "hf:safetune-test/Tiny-Llama@main", null);

            assertThat(runner(Duration.ofSeconds(5), hubSettings(hub, Optional.empty()))
                            .runNext())
                    .isTrue();

            Map<String, Object> row = row("mi-hub");
            assertThat(row.get("status")).isEqualTo("succeeded");
            assertThat(row.get("model_id")).isEqualTo("Tiny-Llama");
            assertThat(row.get("bytes_done")).isEqualTo(modelBytes());
            assertThat(row.get("bytes_total")).isEqualTo(modelBytes());
            assertThat(jdbc.sql("SELECT commit_sha FROM model_provenance WHERE model_id = 'Tiny-Llama'")
                            .query(String.class)
                            .single())
                    .isEqualTo(repo.commit);
        }
    }

    @Test
    void aGatedRepoFailsWithoutTheWorkersTokenAndImportsWithIt() throws Exception {
        String token = "hf_worker_env_token_never_stored";
        try (FakeHub hub = new FakeHub()) {
            hub.publish("safetune-test/Gated-Llama", model, Map.of()).gatedToken = token;
            enqueue("mi-no-token", "hf:safetune-test/Gated-Llama@main", null);
            enqueue("mi-token", "hf:safetune-test/Gated-Llama@main", null);
            jdbc.sql("UPDATE model_imports SET created_at = created_at + interval '1 second' WHERE id = 'mi-token'")
                    .update();

            runner(Duration.ofSeconds(5), hubSettings(hub, Optional.empty())).runNext();
            runner(Duration.ofSeconds(5), hubSettings(hub, Optional.of(token))).runNext();

            assertThat(row("mi-no-token").get("status")).isEqualTo("failed");
            assertThat(row("mi-no-token").get("error_code")).isEqualTo("gated_repo");
            assertThat(row("mi-token").get("status")).isEqualTo("succeeded");
            String everything = jdbc.sql("SELECT string_agg(t::text, ' ') FROM model_imports t")
                    .query(String.class)
                    .single();
            assertThat(everything).doesNotContain(token);
        }
    }

    @Test
    void theRequestedModelIdIsTheOneRegistered() throws Exception {
        enqueue("mi-named", "dir:" + model, "my-tiny");

        runner(Duration.ofSeconds(5)).runNext();

        assertThat(row("mi-named").get("model_id")).isEqualTo("my-tiny");
        assertThat(jdbc.sql("SELECT count(*) FROM models WHERE id = 'my-tiny'")
                        .query(Integer.class)
                        .single())
                .isEqualTo(1);
    }

    @Test
    void aMissingDirectoryFailsWithTheImportersCode() throws Exception {
        enqueue("mi-missing", "dir:/nonexistent/safetune-model", null);

        runner(Duration.ofSeconds(5)).runNext();

        Map<String, Object> row = row("mi-missing");
        assertThat(row.get("status")).isEqualTo("failed");
        assertThat(row.get("error_code")).isEqualTo("invalid_source");
        assertThat(row.get("error_message")).isEqualTo("/nonexistent/safetune-model is not a directory");
        assertThat(row.get("finished_at")).isNotNull();
        assertThat(row.get("lease_until")).isNull();
    }

    @Test
    void aMalformedSourceFailsWithTheImportersCode() throws Exception {
        // The API refuses this; a row written some other way still fails cleanly instead of stalling the runner.
        enqueue("mi-malformed", "s3:bucket/model", null);

        runner(Duration.ofSeconds(5)).runNext();

        Map<String, Object> row = row("mi-malformed");
        assertThat(row.get("status")).isEqualTo("failed");
        assertThat(row.get("error_code")).isEqualTo("invalid_source");
    }

    @Test
    void anUnsupportedArchitectureFailsNamingIt(@TempDir Path mistral) throws Exception {
        try (Stream<Path> files = Files.list(model)) {
            for (Path file : files.toList()) {
                Files.copy(file, mistral.resolve(file.getFileName()));
            }
        }
        String config = Files.readString(mistral.resolve("config.json"));
        Files.writeString(
                mistral.resolve("config.json"),
                config.replace("LlamaForCausalLM", "MistralForCausalLM").replace("\"llama\"", "\"mistral\""));
        enqueue("mi-mistral", "dir:" + mistral, "tiny-mistral");

        runner(Duration.ofSeconds(5)).runNext();

        Map<String, Object> row = row("mi-mistral");
        assertThat(row.get("status")).isEqualTo("failed");
        assertThat(row.get("error_code")).isEqualTo("unsupported_architecture");
        assertThat((String) row.get("error_message")).contains("MistralForCausalLM");
        assertThat(jdbc.sql("SELECT count(*) FROM models").query(Integer.class).single())
                .isZero();
    }

    @Test
    void anImportWhoseWorkerDiedIsTakenOverAndFinished() throws Exception {
        jdbc.sql("INSERT INTO model_imports (id, source, status, locked_by, lease_until, attempts, started_at,"
                        + " bytes_done, message) VALUES ('mi-orphan', :source, 'running', 'dead-worker',"
                        + " now() - interval '5 seconds', 1, now() - interval '1 minute', 100, 'fetching')")
                .param("source", "dir:" + model)
                .update();

        assertThat(runner(Duration.ofSeconds(5)).runNext()).isTrue();

        Map<String, Object> row = row("mi-orphan");
        assertThat(row.get("status")).isEqualTo("succeeded");
        assertThat(row.get("locked_by")).isEqualTo(WORKER);
        assertThat(row.get("attempts")).isEqualTo(2);
        assertThat(row.get("model_id")).isEqualTo("tiny-import");
    }

    @Test
    void aLiveLeaseIsNotTakenOver() throws Exception {
        jdbc.sql("INSERT INTO model_imports (id, source, status, locked_by, lease_until, attempts)"
                        + " VALUES ('mi-busy', 'dir:/m', 'running', 'other-worker', now() + interval '30 seconds', 1)")
                .update();

        assertThat(runner(Duration.ofSeconds(5)).runNext()).isFalse();

        assertThat(row("mi-busy").get("locked_by")).isEqualTo("other-worker");
    }

    @Test
    void aStartedRunnerWakesOnTheNotifyWithoutWaitingForItsPoll() throws Exception {
        WorkLoop<ClaimedImport> runner = runner(Duration.ofMinutes(10));
        runner.start();
        try {
            awaitListening();
            enqueue("mi-notified", "dir:" + model, "notified-tiny");
            queue.notifyQueued("mi-notified");

            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!ImportStatus.fromWire((String) row("mi-notified").get("status"))
                            .isTerminal()
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(row("mi-notified").get("status")).isEqualTo("succeeded");
        } finally {
            runner.stop();
        }
        assertThat(runner.isRunning()).isFalse();
    }

    @Test
    void anIdleRunnerStopsAtOnce() throws Exception {
        WorkLoop<ClaimedImport> runner = runner(Duration.ofMinutes(10));
        runner.start();
        awaitListening();

        long started = System.nanoTime();
        runner.stop();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                + " AND query = 'LISTEN " + ImportStatus.CHANNEL + "'")
                        .query(Integer.class)
                        .single())
                .as("the LISTEN connection is closed")
                .isZero();
    }

    /** The runner's first look at the queue found nothing; wait until it LISTENs, so the NOTIFY is not missed. */
    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            int listeners = jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            + " AND query = 'LISTEN " + ImportStatus.CHANNEL + "' AND state = 'idle'")
                    .query(Integer.class)
                    .single();
            if (listeners > 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the runner never LISTENed on " + ImportStatus.CHANNEL);
    }
}
