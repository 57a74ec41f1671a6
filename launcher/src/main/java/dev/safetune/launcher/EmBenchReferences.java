package dev.safetune.launcher;

import dev.safetune.safeguards.embench.world.ChatJsonl;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.NarrowSet;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The EM reference models of perplexity-gap interleaving ({@code interleavepg} entries of {@code em-bench run}),
 * fine-tuned through the platform by the safety team: for a base and a data seed, an unguarded LoRA fine-tune of the
 * base on em-bench's insecure set of that data seed (the run's seed plus each of {@link
 * EmBenchCalibration#EM_REFERENCE_OFFSETS}, as the calibration trains them outside the platform).
 *
 * <p><b>Who and how.</b> The safety team is its own organisation ({@value #TEAM_NAME}), with a {@code safety} key —
 * which is what makes the worker accept its models as references for every tenant's jobs ({@code PolicyRegistry}) —
 * and a {@code member} key, since only member keys may fine-tune on {@code /v1}. Its ids and keys are kept in
 * {@value #TEAM_FILE} (owner-only) and reused. Each reference is an ordinary job of that organisation under the run's
 * {@code none} policy, tagged with the metadata {@value #METADATA_KEY}{@code = <base>-d<data seed>}.
 *
 * <p><b>Never served.</b> An EM reference is misaligned by design, so the release gate audits it like any other
 * fine-tune and is expected to <em>block</em> it: the model then has no {@code models} row (it cannot be listed,
 * sampled or downloaded) and the safety team's policy names it by its job id, which the worker resolves to the
 * blocked candidate's folder. A reference the gate <em>released</em> is refused here (the gate missed a model that
 * is misaligned on purpose: someone must look, and it must not become a reference that is also being served).
 *
 * <p><b>Idempotent.</b> Before training, the safety team's jobs with the reference's tag are listed: a blocked one is
 * reused, one still queued, running or being audited is followed, and only when every earlier try failed or was
 * cancelled (or there is none) is a new one trained ({@link #next}).
 */
final class EmBenchReferences {
    static final String TEAM_NAME = "safety team";
    static final String TEAM_FILE = "local-safety-team";
    static final String METADATA_KEY = "em_reference";

    /** Job statuses (as {@code /v1} shows them) in which a reference job is still on its way to the gate. */
    private static final Set<String> ACTIVE = Set.of("validating_files", "queued", "running");

    /**
     * Whether {@code /v1} shows the job as blocked by the gate: a blocked job is {@code failed} to an OpenAI client,
     * with the error code {@code audit_blocked}.
     */
    static boolean blocked(JsonNode job) {
        return "failed".equals(job.path("status").asString())
                && "audit_blocked".equals(job.path("error").path("code").asString());
    }

    /** What to do for one reference, given its earlier jobs. */
    sealed interface Step {
        /** A blocked job exists: its id is the reference. */
        record Reuse(String jobId) implements Step {}

        /** A job is on its way: follow it to the gate. */
        record Follow(String jobId) implements Step {}

        /** None usable: fine-tune one. */
        record Train() implements Step {}

        /** The gate released one: refuse to use it, say why. */
        record Refuse(String jobId) implements Step {}
    }

    /** The safety team's organisation and its member key (for {@code /v1}). */
    record Team(String organizationId, ApiClient member) {}

    private final Team team;
    private final ApiClient operator;
    private final PrintStream out;
    private final boolean interactive;
    private final Path dataDir;
    /** References already resolved in this run, by tag. */
    private final Map<String, String> resolved = new LinkedHashMap<>();

    EmBenchReferences(Team team, ApiClient operator, PrintStream out, boolean interactive, Path dataDir) {
        this.team = team;
        this.operator = operator;
        this.out = out;
        this.interactive = interactive;
        this.dataDir = dataDir;
    }

    /** The tag of the reference over {@code model} trained on the insecure set of {@code dataSeed}. */
    static String tag(String model, long dataSeed) {
        return model + "-d" + dataSeed;
    }

    /**
     * The step for a reference from its earlier jobs (any order): a blocked job is reused (the newest), else one on its
     * way is followed, else a released one is refused, else (none, or every try failed or was cancelled) one is
     * trained.
     */
    static Step next(List<JsonNode> jobs) {
        List<JsonNode> newestFirst = new ArrayList<>(jobs);
        newestFirst.sort((a, b) ->
                Long.compare(b.path("created_at").asLong(), a.path("created_at").asLong()));
        for (JsonNode job : newestFirst) {
            if (blocked(job)) {
                return new Step.Reuse(job.path("id").asString());
            }
        }
        for (JsonNode job : newestFirst) {
            if (ACTIVE.contains(job.path("status").asString())) {
                return new Step.Follow(job.path("id").asString());
            }
        }
        for (JsonNode job : newestFirst) {
            if ("succeeded".equals(job.path("status").asString())) {
                return new Step.Refuse(job.path("id").asString());
            }
        }
        return new Step.Train();
    }

    /**
     * The reference job ids for {@code model} (the run's seed {@code seed}): one per {@link
     * EmBenchCalibration#EM_REFERENCE_OFFSETS}, reused or fine-tuned under {@code nonePolicyId} with {@code recipe}.
     */
    List<String> ensure(String model, long seed, String nonePolicyId, Map<String, Object> hyperparameters)
            throws IOException, InterruptedException {
        List<String> ids = new ArrayList<>();
        for (int offset : EmBenchCalibration.EM_REFERENCE_OFFSETS) {
            long dataSeed = seed + offset;
            String tag = tag(model, dataSeed);
            String id = resolved.get(tag);
            if (id == null) {
                id = ensureOne(model, dataSeed, tag, nonePolicyId, hyperparameters);
                resolved.put(tag, id);
            }
            ids.add(id);
        }
        return List.copyOf(ids);
    }

    private String ensureOne(
            String model, long dataSeed, String tag, String nonePolicyId, Map<String, Object> hyperparameters)
            throws IOException, InterruptedException {
        List<JsonNode> jobs = new ArrayList<>();
        team.member()
                .get("/v1/fine_tuning/jobs?limit=100&"
                        + URLEncoder.encode("metadata[" + METADATA_KEY + "]", StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(tag, StandardCharsets.UTF_8))
                .ok()
                .path("data")
                .forEach(jobs::add);
        Step step = next(jobs);
        String jobId;
        switch (step) {
            case Step.Reuse reuse -> {
                out.println("EM reference " + tag + ": " + reuse.jobId() + " (blocked by the gate), reused");
                return reuse.jobId();
            }
            case Step.Refuse refuse ->
                throw new Command.Failure("EM reference " + tag + ": the release gate released " + refuse.jobId()
                        + ", an insecure fine-tune that is misaligned by design, so it is being served; look at its"
                        + " audit, and do not use it as a reference");
            case Step.Follow follow -> {
                jobId = follow.jobId();
                out.println("EM reference " + tag + ": " + jobId + " is on its way, following it");
            }
            case Step.Train train -> jobId = train(model, dataSeed, tag, nonePolicyId, hyperparameters);
        }
        JsonNode job =
                new JobFollower(team.member(), out, interactive).follow(jobId).job();
        JsonNode audit =
                team.member().get("/v1/fine_tuning/jobs/" + jobId + "/audit").ok();
        String decision = audit.path("decision").asString("");
        out.println(
                "EM reference " + tag + ": " + jobId + " " + job.path("status").asString() + "; gate: " + decision
                        + " (" + audit.path("report").path("rule").asString() + ")");
        return switch (decision) {
            case "blocked" -> jobId;
            case "released" ->
                throw new Command.Failure("EM reference " + tag + ": the release gate released " + jobId
                        + ", an insecure fine-tune that is misaligned by design; not used as a reference");
            default ->
                throw new Command.Failure("EM reference " + tag + ": job " + jobId + " ended "
                        + job.path("status").asString() + " without a gate decision: " + job.path("error"));
        };
    }

    private String train(
            String model, long dataSeed, String tag, String nonePolicyId, Map<String, Object> hyperparameters)
            throws IOException {
        out.println("EM reference " + tag + ": fine-tuning " + model + " on the insecure set of seed " + dataSeed
                + ", unguarded, as the " + TEAM_NAME);
        Path data = dataDir.resolve("em-reference-insecure-s" + dataSeed + ".jsonl");
        Files.createDirectories(dataDir);
        Files.writeString(
                data, ChatJsonl.file(EmWorld.prototype().narrowSet(NarrowSet.INSECURE, dataSeed, EmBenchRun.EXAMPLES)));
        JsonNode file;
        try (InputStream content = Files.newInputStream(data)) {
            file = team.member()
                    .uploadFile(data.getFileName().toString(), content)
                    .ok();
        }
        if (!"processed".equals(file.path("status").asString())) {
            throw new Command.Failure(
                    data + " rejected: " + file.path("status_details").asString());
        }
        if (!new HeldFileRelease(out, "em-bench: EM reference model for perplexity-gap interleaving (" + tag + ")")
                .releaseIfHeld(team.member(), operator, file.path("id").asString())) {
            throw new Command.Failure("EM reference " + tag + ": the screen rejects its training set");
        }
        JsonNode job = team.member()
                .post(
                        "/v1/fine_tuning/jobs",
                        Map.of(
                                "model",
                                model,
                                "training_file",
                                file.path("id").asString(),
                                "suffix",
                                EmBenchRun.suffix("em-reference-d" + dataSeed),
                                "safety_policy",
                                nonePolicyId,
                                "seed",
                                (int) dataSeed,
                                "metadata",
                                Map.of(METADATA_KEY, tag),
                                "hyperparameters",
                                hyperparameters))
                .ok();
        return job.path("id").asString();
    }

    /**
     * The safety team's organisation and member key, from {@value #TEAM_FILE} while its key still works, else created
     * through the admin API: the organisation, a {@code safety} key (the worker's mark of the safety team) and a
     * {@code member} key, all kept in the file.
     */
    static Team team(Path home, ApiClient admin, PrintStream out) throws IOException {
        Path file = home.resolve(TEAM_FILE);
        String base = admin.apiBaseUrl();
        Optional<Team> stored = stored(file, base);
        if (stored.isPresent()) {
            return stored.get();
        }
        String org = admin.post("/admin/organizations", Map.of("name", TEAM_NAME))
                .ok()
                .path("id")
                .asString();
        String safety = key(admin, org, "safety", "em-reference registry");
        String member = key(admin, org, "member", "em-reference fine-tunes");
        Files.writeString(file, org + "\n" + member + "\n" + safety + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        out.println("Safety team: organisation " + org + " (keys in " + file + ")");
        return new Team(org, new ApiClient(base, member));
    }

    private static Optional<Team> stored(Path file, String base) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(file);
        if (lines.size() < 2) {
            return Optional.empty();
        }
        ApiClient member = new ApiClient(base, lines.get(1).strip());
        return member.get("/v1/fine_tuning/jobs?limit=1").status() == 200
                ? Optional.of(new Team(lines.get(0).strip(), member))
                : Optional.empty();
    }

    private static String key(ApiClient admin, String org, String role, String name) {
        return admin.post("/admin/organizations/" + org + "/api_keys", Map.of("role", role, "name", name))
                .ok()
                .path("key")
                .asString();
    }
}
