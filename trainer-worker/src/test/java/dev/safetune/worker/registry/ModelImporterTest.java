package dev.safetune.worker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.dataset.ChatMessage;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.generators.TestModels;
import dev.safetune.runtime.model.FineTuningMethod;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.testsupport.MigratedDatabase;
import dev.safetune.worker.registry.ImportedModel.Outcome;
import dev.safetune.worker.registry.ModelImportException.Code;
import dev.safetune.worker.registry.hub.HubSettings;
import dev.safetune.worker.training.FineTuner;
import dev.safetune.worker.training.TrainingListener;
import dev.safetune.worker.training.TrainingRequest;
import dev.safetune.worker.training.TrainingResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Imports through a local fake of the Hugging Face Hub (and its CDN) into a real PostgreSQL and a real store: what is
 * registered, what is downloaded and how, and what a failed import leaves behind (nothing usable).
 */
class ModelImporterTest {
    private static final String REPO = "safetune-test/Tiny-Llama";
    private static final String TOKEN = "hf_testtoken_do_not_log";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @RegisterExtension
    static final MigratedDatabase database = new MigratedDatabase();

    private static Path model;
    private static Path otherModel;

    @TempDir
    Path artifacts;

    private FakeHub hub;
    private JdbcClient jdbc;

    @BeforeAll
    static void setUpClass(@TempDir Path models) throws IOException {
        model = TestModels.tiny(models.resolve("tiny"), 1);
        otherModel = TestModels.tiny(models.resolve("tiny-other"), 2);
    }

    @BeforeEach
    void setUp() throws IOException {
        hub = new FakeHub();
        jdbc = JdbcClient.create(database.dataSource());
        jdbc.sql("TRUNCATE models, model_provenance CASCADE").update();
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private ModelImporter importer(Optional<String> token) {
        HubSettings settings = HubSettings.of(hub.endpoint(), token).withRetries(3, Duration.ofMillis(10));
        return new ModelImporter(database.dataSource(), artifacts, settings);
    }

    private ImportedModel importHub(String spec) throws InterruptedException {
        return importer(Optional.empty()).importModel(ImportRequest.of(spec), ImportProgress.NONE);
    }

    private FakeHub.Repo publishTiny() throws IOException {
        // Files the runtime does not need are in the repository too, as on the real Hub; they must not be fetched.
        FakeHub.Repo repo = hub.publish(
                REPO,
                model,
                Map.of(
                        "README.md", "---\nlicense: apache-2.0\n---\n# Tiny\n".getBytes(StandardCharsets.UTF_8),
                        "pytorch_model.bin", new byte[4096],
                        ".gitattributes", "*.safetensors filter=lfs\n".getBytes(StandardCharsets.UTF_8)));
        repo.licence = "apache-2.0";
        return repo;
    }

    @Test
    void hubImportRegistersTheModelWithItsFactsAndProvenance() throws Exception {
        FakeHub.Repo repo = publishTiny();

        ImportedModel imported = importHub("hf:" + REPO);

        assertThat(imported.id()).isEqualTo("Tiny-Llama");
        assertThat(imported.outcome()).isEqualTo(Outcome.REGISTERED);
        assertThat(imported.commit()).contains(repo.commit);
        List<String> needed = List.of(
                "config.json",
                "generation_config.json",
                "model.safetensors",
                "tokenizer.json",
                "tokenizer_config.json");
        assertThat(imported.files()).extracting(ModelFile::path).containsExactlyInAnyOrderElementsOf(needed);
        for (ModelFile file : imported.files()) {
            byte[] original = Files.readAllBytes(model.resolve(file.path()));
            assertThat(file.sha256()).as(file.path()).isEqualTo(FakeHub.sha256(original));
            assertThat(file.size()).isEqualTo(original.length);
        }
        String digest = ContentDigest.of(imported.files());
        Path snapshot = artifacts.resolve("models/snapshots").resolve(digest);
        assertThat(imported.storagePath()).isEqualTo(snapshot);
        assertThat(imported.contentDigest()).isEqualTo(digest);

        ModelConfig config = ModelConfig.read(model);
        Map<String, Object> row = jdbc.sql("""
                        SELECT kind, storage_path, family, architecture, parameters, context_length, licence,
                               content_digest, shape->>'hidden_size' AS hidden
                        FROM models WHERE id = 'Tiny-Llama'""").query().singleRow();
        assertThat(row)
                .containsEntry("kind", "base")
                .containsEntry("storage_path", snapshot.toString())
                .containsEntry("family", "llama")
                .containsEntry("architecture", "LlamaForCausalLM")
                .containsEntry("parameters", config.parameterCount())
                .containsEntry("context_length", config.maxPositionEmbeddings())
                .containsEntry("licence", "apache-2.0")
                .containsEntry("content_digest", digest)
                .containsEntry("hidden", "32");

        Map<String, Object> provenance = jdbc.sql("""
                        SELECT source, repo_id, revision, commit_sha, endpoint, source_path, content_digest, licence,
                               files::text AS files
                        FROM model_provenance WHERE model_id = 'Tiny-Llama'""").query().singleRow();
        assertThat(provenance)
                .containsEntry("source", "hf")
                .containsEntry("repo_id", REPO)
                .containsEntry("revision", "main")
                .containsEntry("commit_sha", repo.commit)
                .containsEntry("endpoint", hub.endpoint().toString())
                .containsEntry("source_path", null)
                .containsEntry("content_digest", digest)
                .containsEntry("licence", "apache-2.0");
        JsonNode files = JSON.readTree((String) provenance.get("files"));
        assertThat(files).hasSize(5);
        for (JsonNode file : files) {
            byte[] original = Files.readAllBytes(model.resolve(file.path("path").asString()));
            assertThat(file.path("sha256").asString()).isEqualTo(FakeHub.sha256(original));
            assertThat(file.path("size").asLong()).isEqualTo(original.length);
        }

        // Only what the runtime needs was downloaded; LFS files came from the CDN after a redirect.
        assertThat(hub.requests("hub"))
                .extracting(FakeHub.Request::path)
                .noneMatch(p -> p.endsWith("README.md") || p.endsWith(".bin") || p.endsWith(".gitattributes"));
        assertThat(hub.requests("cdn"))
                .extracting(FakeHub.Request::path)
                .containsExactlyInAnyOrder(
                        "/blobs/" + FakeHub.sha256(repo.files.get("model.safetensors")),
                        "/blobs/" + FakeHub.sha256(repo.files.get("tokenizer.json")));

        // The snapshot links each file to its blob, and the worker loads the model from storage_path.
        assertThat(Files.isSymbolicLink(snapshot.resolve("model.safetensors"))).isTrue();
        assertThat(snapshot.resolve("model.safetensors").toRealPath())
                .isEqualTo(artifacts
                        .resolve("models/blobs/sha256/" + FakeHub.sha256(repo.files.get("model.safetensors")))
                        .toRealPath());
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel loaded = LlamaModel.load(Path.of((String) row.get("storage_path")), manager)) {
            assertThat(loaded.config()).isEqualTo(config);
        }
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void cutConnectionIsResumedWithARangeForTheRestOnly() throws Exception {
        FakeHub.Repo repo = publishTiny();
        byte[] weights = repo.files.get("model.safetensors");
        long cut = weights.length / 3;
        hub.cutOnce(weights, cut);

        ImportedModel imported = importHub("hf:" + REPO);

        assertThat(imported.outcome()).isEqualTo(Outcome.REGISTERED);
        List<FakeHub.Request> weightRequests = hub.requests("cdn").stream()
                .filter(r -> r.path().endsWith(FakeHub.sha256(weights)))
                .toList();
        assertThat(weightRequests).hasSize(2);
        assertThat(weightRequests.get(0).range()).isNull();
        assertThat(weightRequests.get(0).bytesSent()).isEqualTo(cut);
        // The resume asks for the rest of what arrived. A dropped connection may lose the last bytes in flight (seen:
        // 81,818 of 81,824 written arrived), so the range starts at most at the cut, never at 0.
        String range = weightRequests.get(1).range();
        assertThat(range).matches("bytes=\\d+-");
        long resumedAt = Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
        assertThat(resumedAt).isPositive().isLessThanOrEqualTo(cut);
        assertThat(weightRequests.get(1).bytesSent()).isEqualTo(weights.length - resumedAt);
        assertThat(Files.readAllBytes(imported.storagePath().resolve("model.safetensors")))
                .isEqualTo(weights);
    }

    @Test
    void wrongHashRegistersNothingAndLeavesNoUsableFiles() throws Exception {
        FakeHub.Repo repo = publishTiny();
        byte[] weights = repo.files.get("model.safetensors");
        hub.corrupt(weights);

        assertThatThrownBy(() -> importHub("hf:" + REPO))
                .isInstanceOfSatisfying(ModelImportException.class, e -> {
                    assertThat(e.code()).isEqualTo(Code.HASH_MISMATCH);
                    assertThat(e.field()).isEqualTo("model.safetensors");
                })
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining(FakeHub.sha256(weights))
                .hasMessageContaining(FakeHub.sha256(corrupted(weights)));

        assertThat(jdbc.sql("SELECT count(*) FROM models").query(Long.class).single())
                .isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM model_provenance")
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(artifacts.resolve("models/snapshots")).doesNotExist();
        assertThat(artifacts.resolve("models/blobs/sha256/" + FakeHub.sha256(weights)))
                .doesNotExist();
        assertThat(artifacts.resolve("models/blobs/sha256/" + FakeHub.sha256(corrupted(weights))))
                .doesNotExist();
        // The bad bytes are gone; another file's partial download (stopped when this one failed) may stay to be
        // resumed.
        assertThat(leftovers())
                .noneMatch(p -> p.getFileName().toString().contains(FakeHub.sha256(weights)))
                .noneMatch(p -> p.startsWith(artifacts.resolve("models/staging")));
    }

    @Test
    void gatedRepoAnswers401WithoutTokenAndImportsWithIt() throws Exception {
        FakeHub.Repo repo = publishTiny();
        repo.gatedToken = TOKEN;

        assertThatThrownBy(() -> importHub("hf:" + REPO))
                .isInstanceOfSatisfying(
                        ModelImportException.class, e -> assertThat(e.code()).isEqualTo(Code.GATED_REPO))
                .hasMessageContaining("HF_TOKEN")
                .hasMessageContaining("HTTP 401");

        hub.clearRequests();

        ImportedModel imported =
                importer(Optional.of(TOKEN)).importModel(ImportRequest.of("hf:" + REPO), ImportProgress.NONE);

        assertThat(imported.outcome()).isEqualTo(Outcome.REGISTERED);
        // The token goes to the Hub only, never to the CDN a download is redirected to.
        assertThat(hub.requests("cdn")).isNotEmpty().noneMatch(FakeHub.Request::authorized);
        assertThat(hub.requests("hub"))
                .filteredOn(r -> r.path().contains("/resolve/"))
                .allMatch(FakeHub.Request::authorized);
    }

    @Test
    void unknownRevisionIsRefusedAsRevisionNotFound() throws Exception {
        publishTiny();

        assertThatThrownBy(() -> importHub("hf:" + REPO + "@v9.9"))
                .isInstanceOfSatisfying(ModelImportException.class, e -> {
                    assertThat(e.code()).isEqualTo(Code.REVISION_NOT_FOUND);
                    assertThat(e.field()).isEqualTo("source");
                })
                .hasMessageContaining("v9.9");
        assertThat(hub.requests())
                .singleElement()
                .satisfies(r -> assertThat(r.path()).isEqualTo("/api/models/" + REPO + "/revision/v9.9"));
    }

    @Test
    void unsupportedArchitectureIsRefusedNamingTheFieldBeforeWeightsAreFetched(@TempDir Path mistral) throws Exception {
        copyModel(model, mistral);
        ObjectNode config = (ObjectNode) JSON.readTree(mistral.resolve("config.json"));
        config.putArray("architectures").add("MistralForCausalLM");
        config.put("model_type", "mistral");
        Files.write(mistral.resolve("config.json"), JSON.writeValueAsBytes(config));
        hub.publish("mistralai/Tiny-Mistral", mistral, Map.of());

        assertThatThrownBy(() -> importHub("hf:mistralai/Tiny-Mistral"))
                .isInstanceOfSatisfying(ModelImportException.class, e -> {
                    assertThat(e.code()).isEqualTo(Code.UNSUPPORTED_ARCHITECTURE);
                    assertThat(e.field()).isEqualTo("architectures");
                })
                .hasMessage("config.json: architectures must be [\"LlamaForCausalLM\"] or [\"Qwen2ForCausalLM\"],"
                        + " got [\"MistralForCausalLM\"]");
        assertThat(hub.requests("cdn")).isEmpty();
        assertThat(jdbc.sql("SELECT count(*) FROM models").query(Long.class).single())
                .isZero();
    }

    @Test
    void reimportingTheSameContentIsANoOpAndOtherContentNeedsReplace(@TempDir Path other) throws Exception {
        publishTiny();
        ImportedModel first = importHub("hf:" + REPO);
        hub.clearRequests();

        ImportedModel again = importHub("hf:" + REPO);

        assertThat(again.outcome()).isEqualTo(Outcome.UNCHANGED);
        assertThat(again.storagePath()).isEqualTo(first.storagePath());
        assertThat(hub.requests("cdn"))
                .as("weights already in the store are not downloaded again")
                .isEmpty();

        // The same id from other bytes: refused before the weights are fetched, then allowed with replace.
        copyModel(otherModel, other);
        hub.publish("someone-else/Tiny-Llama", other, Map.of());
        hub.clearRequests();
        assertThatThrownBy(() -> importHub("hf:someone-else/Tiny-Llama"))
                .isInstanceOfSatisfying(ModelImportException.class, e -> {
                    assertThat(e.code()).isEqualTo(Code.MODEL_EXISTS);
                    assertThat(e.field()).isEqualTo("model_id");
                })
                .hasMessageContaining(first.contentDigest());
        assertThat(hub.requests("cdn")).isEmpty();

        ImportedModel replaced = importer(Optional.empty())
                .importModel(ImportRequest.of("hf:someone-else/Tiny-Llama").replacing(), ImportProgress.NONE);

        assertThat(replaced.outcome()).isEqualTo(Outcome.REPLACED);
        assertThat(replaced.contentDigest()).isNotEqualTo(first.contentDigest());
        assertThat(jdbc.sql("SELECT storage_path FROM models WHERE id = 'Tiny-Llama'")
                        .query(String.class)
                        .single())
                .isEqualTo(replaced.storagePath().toString());
        assertThat(jdbc.sql("SELECT repo_id FROM model_provenance WHERE model_id = 'Tiny-Llama'")
                        .query(String.class)
                        .single())
                .isEqualTo("someone-else/Tiny-Llama");
        // Fine-tunes of the old content point at its snapshot, which stays.
        assertThat(first.storagePath().resolve("model.safetensors")).exists();
    }

    @Test
    void directoryImportCopiesIntoTheStoreAndSharesContentWithTheHubImport() throws Exception {
        publishTiny();
        ImportedModel fromHub = importHub("hf:" + REPO);

        ImportedModel fromDir = importer(Optional.empty())
                .importModel(ImportRequest.of("dir:" + model).as("tiny-local"), ImportProgress.NONE);

        assertThat(fromDir.outcome()).isEqualTo(Outcome.REGISTERED);
        assertThat(fromDir.contentDigest()).isEqualTo(fromHub.contentDigest());
        assertThat(fromDir.storagePath()).isEqualTo(fromHub.storagePath());
        assertThat(fromDir.commit()).isEmpty();
        Map<String, Object> provenance = jdbc.sql(
                        "SELECT source, repo_id, commit_sha, source_path FROM model_provenance WHERE model_id = 'tiny-local'")
                .query()
                .singleRow();
        assertThat(provenance)
                .containsEntry("source", "dir")
                .containsEntry("repo_id", null)
                .containsEntry("commit_sha", null)
                .containsEntry("source_path", model.toString());
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void shardedCheckpointIsFetchedByItsIndexAndLoads(@TempDir Path sharded) throws Exception {
        ModelDirs.shard(ModelDirs.copy(model, sharded), 3);
        hub.publish("org/Tiny-Sharded", sharded, Map.of("model.safetensors.index.json.bak", new byte[10]));

        ImportedModel imported = importHub("hf:org/Tiny-Sharded");

        assertThat(imported.files())
                .extracting(ModelFile::path)
                .contains(
                        "model.safetensors.index.json",
                        "model-00001-of-00003.safetensors",
                        "model-00002-of-00003.safetensors",
                        "model-00003-of-00003.safetensors")
                .doesNotContain("model.safetensors", "model.safetensors.index.json.bak");
        assertThat(hub.requests("cdn")).hasSize(4); // three shards and the tokenizer
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel loaded = LlamaModel.load(imported.storagePath(), manager)) {
            assertThat(loaded.config()).isEqualTo(ModelConfig.read(model));
        }
    }

    @Test
    void workerFineTunesTheModelFromItsRowsStoragePath(@TempDir Path work) throws Exception {
        publishTiny();
        importHub("hf:" + REPO);
        // As JobRunner does: the base model is wherever its row says, and its config says how to fine-tune it.
        Path base = Path.of(jdbc.sql("SELECT storage_path FROM models WHERE id = 'Tiny-Llama' AND kind = 'base'")
                .query(String.class)
                .single());
        List<ChatExample> examples = List.of(
                new ChatExample(1, List.of(ChatMessage.of("user", "Sky?"), ChatMessage.of("assistant", "Blue."))),
                new ChatExample(2, List.of(ChatMessage.of("user", "Grass?"), ChatMessage.of("assistant", "Green."))));
        TrainingRequest request = new TrainingRequest(
                base,
                examples,
                List.of(),
                new Hyperparameters(1, 2, 1.0),
                7,
                work,
                1,
                Optional.empty(),
                64,
                FineTuningMethod.of(base).adapter());

        TrainingResult result = new FineTuner().train(request, TrainingListener.NONE);

        assertThat(result.trainedTokens()).isPositive();
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel tuned = LlamaModel.load(result.modelDir(), manager)) {
            assertThat(tuned.config()).isEqualTo(ModelConfig.read(base));
        }
    }

    @Test
    void progressReportsStagesInOrderAndBytesUpToTheTotal() throws Exception {
        publishTiny();
        List<ImportStage> stages = new java.util.concurrent.CopyOnWriteArrayList<>();
        long[] last = new long[2];
        ImportProgress progress = new ImportProgress() {
            @Override
            public void stage(ImportStage stage, String detail) {
                stages.add(stage);
            }

            @Override
            public synchronized void bytes(long done, long total) {
                last[0] = done;
                last[1] = total;
            }
        };

        ImportedModel imported = importer(Optional.empty()).importModel(ImportRequest.of("hf:" + REPO), progress);

        assertThat(stages)
                .containsExactly(
                        ImportStage.RESOLVING, ImportStage.FETCHING, ImportStage.VALIDATING, ImportStage.REGISTERING);
        assertThat(last[0]).isEqualTo(imported.totalBytes()).isEqualTo(last[1]);
    }

    private static byte[] corrupted(byte[] content) {
        byte[] bad = content.clone();
        bad[bad.length - 1] ^= 0x5A;
        return bad;
    }

    private static void copyModel(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    /** What a finished import must not leave: staging directories and partial or unadopted downloads. */
    private List<Path> leftovers() throws IOException {
        List<Path> found = new java.util.ArrayList<>();
        for (String dir : List.of("models/staging", "models/downloads")) {
            Path path = artifacts.resolve(dir);
            if (Files.isDirectory(path)) {
                try (Stream<Path> entries = Files.list(path)) {
                    found.addAll(entries.toList());
                }
            }
        }
        return found;
    }
}
