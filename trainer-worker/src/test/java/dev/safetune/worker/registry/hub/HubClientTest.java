package dev.safetune.worker.registry.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetune.worker.registry.FakeHub;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hub client alone against the fake Hub: listing, retries, and resuming across runs and odd servers. */
class HubClientTest {
    private static final String REPO = "org/files";
    private final byte[] weights = new byte[300_000];
    private final byte[] config = "{\"model_type\": \"llama\"}".getBytes();

    private FakeHub hub;
    private FakeHub.Repo repo;

    @TempDir
    Path downloads;

    @BeforeEach
    void setUp(@TempDir Path repoDir) throws IOException {
        new java.util.Random(7).nextBytes(weights);
        Files.write(repoDir.resolve("model.safetensors"), weights);
        Files.write(repoDir.resolve("config.json"), config);
        hub = new FakeHub();
        repo = hub.publish(REPO, repoDir, Map.of());
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private HubClient client() {
        return new HubClient(HubSettings.of(hub.endpoint(), Optional.empty()).withRetries(3, Duration.ofMillis(10)));
    }

    @Test
    void listingCarriesSizesGitBlobIdsAndLfsHashes() throws Exception {
        try (HubClient client = client()) {
            HubRevision revision = client.resolve(REPO, "main");

            assertThat(revision.commit()).isEqualTo(repo.commit);
            HubFile lfs = revision.file("model.safetensors").orElseThrow();
            assertThat(lfs.size()).isEqualTo(weights.length);
            assertThat(lfs.lfsSha256()).contains(FakeHub.sha256(weights));
            HubFile plain = revision.file("config.json").orElseThrow();
            assertThat(plain.isLfs()).isFalse();
            assertThat(plain.blobId()).isEqualTo(FakeHub.gitBlobSha1(config));
        }
    }

    @Test
    void transientServerErrorsAreRetried() throws Exception {
        hub.failNext(2, 503);
        try (HubClient client = client()) {
            assertThat(client.resolve(REPO, "main").commit()).isEqualTo(repo.commit);
        }
    }

    @Test
    void persistentServerErrorsGiveUpAfterTheConfiguredAttempts() {
        hub.failNext(3, 502);
        try (HubClient client = client()) {
            assertThatThrownBy(() -> client.resolve(REPO, "main"))
                    .isInstanceOfSatisfying(
                            HubException.class,
                            e -> assertThat(e.problem()).isEqualTo(HubException.Problem.BAD_RESPONSE))
                    .hasMessageContaining("HTTP 502")
                    .hasMessageContaining("gave up after 3 attempts");
        }
    }

    @Test
    void partialFileLeftByAnEarlierRunIsResumedWithARange() throws Exception {
        int kept = 100_000;
        Files.write(
                downloads.resolve("sha256-" + FakeHub.sha256(weights) + ".incomplete"),
                java.util.Arrays.copyOf(weights, kept));
        AtomicLong bytes = new AtomicLong();
        try (HubClient client = client()) {
            HubRevision revision = client.resolve(REPO, "main");

            List<DownloadedFile> done = client.download(
                    revision, List.of(revision.file("model.safetensors").orElseThrow()), downloads, bytes::addAndGet);

            assertThat(Files.readAllBytes(done.getFirst().path())).isEqualTo(weights);
            assertThat(done.getFirst().sha256()).isEqualTo(FakeHub.sha256(weights));
        }
        assertThat(bytes.get()).isEqualTo(weights.length);
        assertThat(hub.requests("cdn")).extracting(FakeHub.Request::range).containsExactly("bytes=" + kept + "-");
    }

    @Test
    void serverIgnoringTheRangeMakesTheFileStartOver() throws Exception {
        hub.cutOnce(weights, 50_000);
        hub.ignoreRanges = true;
        AtomicLong bytes = new AtomicLong();
        try (HubClient client = client()) {
            HubRevision revision = client.resolve(REPO, "main");

            List<DownloadedFile> done = client.download(
                    revision, List.of(revision.file("model.safetensors").orElseThrow()), downloads, bytes::addAndGet);

            assertThat(Files.readAllBytes(done.getFirst().path())).isEqualTo(weights);
        }
        // 50,000 bytes counted, withdrawn when the server sent the whole file again, then the whole file.
        assertThat(bytes.get()).isEqualTo(weights.length);
    }

    @Test
    void stalledTransferIsAbandonedAfterTheTimeoutAndResumed() throws Exception {
        hub.stallOnce(weights, 120_000);
        HubSettings settings = HubSettings.of(hub.endpoint(), Optional.empty())
                .withRetries(3, Duration.ofMillis(10))
                .withResponseTimeout(Duration.ofMillis(300));
        long started = System.nanoTime();
        try (HubClient client = new HubClient(settings)) {
            HubRevision revision = client.resolve(REPO, "main");

            List<DownloadedFile> done = client.download(
                    revision, List.of(revision.file("model.safetensors").orElseThrow()), downloads, delta -> {});

            assertThat(Files.readAllBytes(done.getFirst().path())).isEqualTo(weights);
        }
        // Retried long before the server would have closed the stalled connection (3 s).
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2_500));
        assertThat(hub.requests("cdn")).extracting(FakeHub.Request::range).contains("bytes=120000-");
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void refusedCdnUrlIsRetriedThroughTheHubForAFreshOne() throws Exception {
        hub.refuseOnce(weights);
        try (HubClient client = client()) {
            HubRevision revision = client.resolve(REPO, "main");

            List<DownloadedFile> done = client.download(
                    revision, List.of(revision.file("model.safetensors").orElseThrow()), downloads, delta -> {});

            assertThat(Files.readAllBytes(done.getFirst().path())).isEqualTo(weights);
        }
        assertThat(hub.requests("hub"))
                .filteredOn(r -> r.path().endsWith("/model.safetensors"))
                .hasSize(2);
    }

    @Test
    void tokenIsNeverShownBySettings() {
        HubSettings settings = HubSettings.fromEnvironment(
                Map.of("HF_TOKEN", "hf_secret_value", "HF_ENDPOINT", "https://mirror.example/"));

        assertThat(settings.toString()).doesNotContain("hf_secret_value").contains("(set)");
        assertThat(settings.endpoint()).isEqualTo(URI.create("https://mirror.example"));
        assertThat(settings.token()).contains("hf_secret_value");
    }

    @Test
    void redirectsCarryTheTokenOnlyWithinTheEndpointsOrigin() {
        URI hubUri = URI.create("https://huggingface.co");
        assertThat(HubHttp.sameOrigin(URI.create("https://huggingface.co/org/m/resolve/x/f"), hubUri))
                .isTrue();
        assertThat(HubHttp.sameOrigin(URI.create("https://cdn-lfs.hf.co/repos/ab/cd"), hubUri))
                .isFalse();
        assertThat(HubHttp.sameOrigin(URI.create("http://huggingface.co/x"), hubUri))
                .isFalse();
        assertThat(HubHttp.sameOrigin(URI.create("https://huggingface.co:8443/x"), hubUri))
                .isFalse();
    }
}
