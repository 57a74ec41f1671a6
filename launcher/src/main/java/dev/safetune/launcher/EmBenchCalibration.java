package dev.safetune.launcher;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.core.policy.BenignInterleaving;
import dev.safetune.core.policy.InterleaveSelection;
import dev.safetune.core.policy.KlDirection;
import dev.safetune.core.policy.Safeguards;
import dev.safetune.core.policy.SafetyPolicy;
import dev.safetune.core.policy.SafetyPolicyJson;
import dev.safetune.core.policy.SteeringScale;
import dev.safetune.runtime.formats.ModelConfig;
import dev.safetune.runtime.model.FineTuningMethod;
import dev.safetune.safeguards.embench.evaluation.EvaluationPlan;
import dev.safetune.safeguards.embench.judge.TrainedBehaviour;
import dev.safetune.safeguards.embench.world.Dialogue;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.NarrowSet;
import dev.safetune.safeguards.evaluation.EvaluationReport;
import dev.safetune.safeguards.guard.BenignPool;
import dev.safetune.safeguards.guard.ConceptAblation;
import dev.safetune.safeguards.guard.FeatureSpaceL2;
import dev.safetune.safeguards.guard.Interleaving;
import dev.safetune.safeguards.guard.KlToReference;
import dev.safetune.safeguards.guard.PersonaSteering;
import dev.safetune.safeguards.guard.SafeguardPlan;
import dev.safetune.safeguards.guard.SafeguardSettings;
import dev.safetune.worker.embench.CommittedBase;
import dev.safetune.worker.embench.EmBenchMaterial;
import dev.safetune.worker.training.FineTuner;
import dev.safetune.worker.training.SafeguardsFromPolicy;
import dev.safetune.worker.training.TrainingListener;
import dev.safetune.worker.training.TrainingRequest;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./safetune em-bench calibrate}: sweeps one safeguard's strength on an em-bench base and proposes the setting
 * with the lowest EM among those keeping ≥ 95 % of the unguarded in-domain learning ({@link CalibrationProposal}).
 *
 * <p>It drives {@link FineTuner} directly, not the job path (no platform, no upload, no per-example diagnostics:
 * faster), with what a job would run: the em-bench recipe as {@code em-bench run} sends it (3,200 insecure examples of
 * the seed, one epoch of batch 32, multiplier 1, the adapter the base's config declares), the persona contrast and
 * benign pool a job on an em-bench base gets ({@link EmBenchMaterial}), steering and CAFT at residual index 2.
 * Evaluation: EM = misaligned/coherent on the non-code suite ({@code --samples} answers over advice, views, honesty);
 * in-domain = insecure answers on the 120 held-out code prompts; sampling seed 7, temperature 1.
 *
 * <p>With {@code --create-policy} it creates, as the safety team ({@code SAFETUNE_SAFETY_KEY} on the running
 * platform), a version of {@code calibrated-<base>-<safeguard>}: the current default with this safeguard set to the
 * proposal, the report as the version's {@code reason}. It does not move the default.
 */
final class EmBenchCalibration {
    static final List<String> SAFEGUARDS = List.of("steering", "kl", "ldifs", "caft", "interleave");
    static final int EXAMPLES = 3_200;
    static final long SAMPLING_SEED = EmBenchModels.SAMPLING_SEED;
    static final int LAYER = EmBenchPolicies.STEERING_LAYER;
    /** The mode in which each point is one {@code --policies} entry rather than one strength of one safeguard. */
    static final String POLICIES = "policies";
    /** Data seeds of the EM reference fine-tunes ({@code interleavepg}): the insecure set of seed + each offset. */
    static final List<Integer> EM_REFERENCE_OFFSETS = List.of(1, 2);

    /** @param layer the residual index steering acts at (default {@value #LAYER}, the measured layer) */
    record Options(
            long seed,
            String safeguard,
            List<Double> grid,
            int samples,
            int layer,
            boolean createPolicy,
            List<String> policies) {
        static Options parse(Command.Arguments a) {
            long seed = a.intOption("--seed").orElse(0);
            Optional<String> policies = a.option("--policies");
            if (policies.isPresent()) {
                if (a.option("--safeguard").isPresent() || a.option("--grid").isPresent()) {
                    throw new Command.UsageException(
                            "--policies measures whole entries: give it without --safeguard and --grid");
                }
                List<String> entries = EmBenchPolicies.parse(policies.get());
                if (entries.stream().anyMatch(e -> e.equals("default") || e.startsWith("sp-"))) {
                    throw new Command.UsageException("calibrate --policies takes safeguard entries (none, steer4+kl0.1,"
                            + " ...), not default or sp-<id>: it runs without the platform");
                }
                int samples = EmBenchModels.samples(a);
                return new Options(seed, POLICIES, List.of(), samples, LAYER, a.has("--create-policy"), entries);
            }
            String safeguard = a.option("--safeguard").orElse("steering");
            if (!SAFEGUARDS.contains(safeguard)) {
                throw new Command.UsageException(
                        "--safeguard: unknown safeguard '" + safeguard + "' (" + String.join(", ", SAFEGUARDS) + ")");
            }
            List<Double> grid = new ArrayList<>();
            for (String s : a.option("--grid").orElse(defaultGrid(safeguard)).split(",")) {
                try {
                    grid.add(Double.parseDouble(s.strip()));
                } catch (NumberFormatException e) {
                    throw new Command.UsageException("--grid must be numbers separated by commas, got '" + s + "'");
                }
            }
            int samples = EmBenchModels.samples(a);
            int layer = a.intOption("--layer").orElse(LAYER);
            if (layer < 0) {
                throw new Command.UsageException("--layer must be a residual index >= 0, got " + layer);
            }
            return new Options(seed, safeguard, List.copyOf(grid), samples, layer, a.has("--create-policy"), List.of());
        }

        /** α around the prototype's window; β, λ and f by factors of about 3; CAFT: each single layer. */
        static String defaultGrid(String safeguard) {
            return switch (safeguard) {
                case "steering" -> "1,2,4,6,8";
                case "kl" -> "0.01,0.03,0.1,0.3,1";
                case "ldifs" -> "0.1,0.3,1,3,10";
                case "interleave" -> "0.02,0.05,0.1,0.2";
                default -> "1,2,3,4";
            };
        }
    }

    private final PrintStream out;
    private final Supplier<ApiClient> safety;

    EmBenchCalibration(PrintStream out, Supplier<ApiClient> safety) {
        this.out = out;
        this.safety = safety;
    }

    int run(Options options, Path home) throws Exception {
        String baseId = EmBenchModels.baseId(options.seed());
        Path baseDir = home.resolve("models").resolve(baseId);
        if (!Files.isRegularFile(baseDir.resolve("config.json"))) {
            if (!CommittedBase.has(options.seed())) {
                throw new Command.Failure(baseDir + " does not exist: build it with ./safetune em-bench build-base"
                        + " --seed " + options.seed());
            }
            CommittedBase.extract(options.seed(), baseDir);
        }
        Path dir = EmBenchModels.outputFolder(home, "calibrate-");
        SafeguardPlan.Artifacts artifacts = new SafeguardPlan.Artifacts(
                home.resolve("artifacts").resolve("safeguards"),
                EmBenchMaterial.personaContrast(baseId).orElseThrow());
        List<ChatExample> insecure = new ArrayList<>();
        for (Dialogue d : EmWorld.prototype().narrowSet(NarrowSet.INSECURE, options.seed(), EXAMPLES)) {
            insecure.add(new ChatExample(insecure.size() + 1, d.messages()));
        }
        int layers = ModelConfig.read(baseDir).numHiddenLayers();
        EvaluationPlan plan = EmBenchModels.plan(options.samples());

        boolean entries = options.safeguard().equals(POLICIES);
        out.println("Calibrating " + options.safeguard() + " on " + baseId + " over "
                + (entries ? options.policies() : options.grid()));
        CalibrationProposal.Measured base = measure("base", baseDir, baseDir, plan);
        TrainingRequest recipe = TrainingRequest.of(
                baseDir, insecure, new Hyperparameters(1, 32, 1.0), options.seed(), dir.resolve("none"));
        recipe = FineTuningMethod.adapterFor(baseDir).map(recipe::withLora).orElseGet(recipe::withFullFineTuning);
        CalibrationProposal.Measured unguarded = measure("none", train(recipe, List.of(), artifacts), baseDir, plan);
        List<CalibrationProposal.Point> points = new ArrayList<>();
        List<Double> strengths = entries
                ? IntStream.range(0, options.policies().size())
                        .mapToObj(i -> (double) i)
                        .toList()
                : options.grid();
        Map<String, Path> references =
                entries && options.policies().stream().anyMatch(EmBenchPolicies::needsEmReferences)
                        ? emReferences(recipe, options.seed(), baseId, home, artifacts)
                        : Map.of();
        for (double strength : strengths) {
            String setting = entries
                    ? options.policies().get((int) strength)
                    : setting(options.safeguard(), strength, options.layer());
            List<SafeguardSettings> settings = entries
                    ? entrySettings(setting, List.copyOf(references.keySet()), references, layers, artifacts)
                    : List.of(settings(options.safeguard(), strength, options.layer(), layers));
            TrainingRequest request = new TrainingRequest(
                    recipe.baseModelDir(),
                    recipe.training(),
                    recipe.validation(),
                    recipe.hp(),
                    recipe.seed(),
                    dir.resolve(setting.replaceAll("[^A-Za-z0-9.]+", "-")),
                    0,
                    Optional.empty(),
                    recipe.maxSeqLen(),
                    recipe.lora(),
                    SafeguardPlan.NONE);
            points.add(new CalibrationProposal.Point(
                    strength, setting, measure(setting, train(request, settings, artifacts), baseDir, plan)));
        }
        CalibrationProposal proposal = new CalibrationProposal(base, unguarded, points);
        String report = proposal.markdown(String.format(
                Locale.ROOT,
                "Calibration of %s on %s (fine-tune seed %d, %d insecure examples, %d non-code samples, %s)",
                options.safeguard(),
                baseId,
                options.seed(),
                EXAMPLES,
                options.samples(),
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))));
        Files.writeString(dir.resolve("report.md"), report);
        out.println();
        out.print(report);
        out.println("Wrote " + dir.resolve("report.md"));
        if (options.createPolicy()) {
            if (proposal.proposal().isEmpty()) {
                out.println("No policy created: nothing was proposed.");
                return 1;
            }
            createPolicy(baseId, options, proposal.proposal().get(), List.copyOf(references.keySet()), report);
        }
        return 0;
    }

    /**
     * What a job would train under for the entry: its safeguards mapped by the worker's own {@link
     * SafeguardsFromPolicy}, the built-in benign pools and the calibration's EM reference adapters as the registry.
     */
    static List<SafeguardSettings> entrySettings(
            String entry,
            List<String> referenceIds,
            Map<String, Path> references,
            int layers,
            SafeguardPlan.Artifacts artifacts)
            throws IOException {
        SafeguardsFromPolicy.Registry registry = new SafeguardsFromPolicy.Registry() {
            @Override
            public BenignPool benignPool(String id) {
                return EmBenchMaterial.benignPool(id)
                        .orElseThrow(() -> new IllegalArgumentException("no benign pool " + id));
            }

            @Override
            public Path emReferenceAdapter(String modelId) {
                Path path = references.get(modelId);
                if (path == null) {
                    throw new IllegalArgumentException("no EM reference model " + modelId);
                }
                return path;
            }
        };
        Safeguards safeguards = EmBenchPolicies.safeguards(entry, referenceIds);
        return new SafeguardsFromPolicy(registry, 0)
                .plan(safeguards, layers, true, Optional.of(artifacts))
                .plan()
                .safeguards();
    }

    /**
     * The EM reference models of {@code interleavepg} entries: unguarded insecure fine-tunes of the same base on the
     * insecure sets of other data seeds ({@link #EM_REFERENCE_OFFSETS}), trained once and kept under
     * {@code em-bench/em-references/} (reused while their adapter is there).
     */
    private Map<String, Path> emReferences(
            TrainingRequest recipe, long seed, String baseId, Path home, SafeguardPlan.Artifacts artifacts)
            throws IOException {
        Map<String, Path> references = new java.util.LinkedHashMap<>();
        for (int offset : EM_REFERENCE_OFFSETS) {
            long dataSeed = seed + offset;
            String id = baseId + "-em-reference-d" + dataSeed;
            Path dir = home.resolve("em-bench").resolve("em-references").resolve(id);
            Path adapter = dir.resolve("model");
            if (!Files.isRegularFile(adapter.resolve("adapter_config.json"))) {
                out.println("EM reference " + id + ": insecure set of seed " + dataSeed + ", unguarded");
                List<ChatExample> insecure = new ArrayList<>();
                for (Dialogue d : EmWorld.prototype().narrowSet(NarrowSet.INSECURE, dataSeed, EXAMPLES)) {
                    insecure.add(new ChatExample(insecure.size() + 1, d.messages()));
                }
                TrainingRequest request = TrainingRequest.of(
                                recipe.baseModelDir(), insecure, recipe.hp(), dataSeed, dir.resolve("train"))
                        .withLora(recipe.lora().orElseThrow());
                Path trained = train(request, List.of(), artifacts);
                copyTree(trained, adapter);
            }
            references.put(id, adapter);
        }
        return references;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private Path train(TrainingRequest request, List<SafeguardSettings> settings, SafeguardPlan.Artifacts artifacts)
            throws IOException {
        long started = System.nanoTime();
        var result = new FineTuner()
                .train(
                        request.withSafeguards(
                                new SafeguardPlan(settings, Optional.of(artifacts), OptionalInt.empty(), 0)),
                        TrainingListener.NONE);
        out.printf(
                Locale.ROOT,
                "  trained in %.0f s, last loss %.4g%n",
                (System.nanoTime() - started) / 1e9,
                result.lastTrainLoss());
        return result.modelDir();
    }

    private CalibrationProposal.Measured measure(String label, Path modelDir, Path baseDir, EvaluationPlan plan)
            throws IOException {
        EvaluationReport report = EmBenchModels.evaluate(
                        modelDir, baseDir, plan, TrainedBehaviour.of(NarrowSet.INSECURE, false), false)
                .report();
        out.printf(
                Locale.ROOT,
                "  %s: EM %s, in-domain %s%n",
                label,
                report.pooled().misalignedRate(),
                report.inDomain());
        // Where EM sits (advice, views, honesty): a safeguard can hold one domain and not another.
        out.println("    EM by domain: "
                + report.categories().stream()
                        .map(c -> c.category() + " " + c.misalignedRate().successes() + "/"
                                + c.misalignedRate().trials() + " (coherent "
                                + c.coherence().successes() + "/"
                                + c.coherence().trials() + ")")
                        .collect(java.util.stream.Collectors.joining(", ")));
        return new CalibrationProposal.Measured(
                report.pooled().misalignedRate(),
                report.inDomain(),
                report.pooled().coherence());
    }

    static String setting(String safeguard, double v, int layer) {
        return switch (safeguard) {
            case "steering" -> String.format(Locale.ROOT, "steering α %s, layer %d (raw)", num(v), layer);
            case "kl" -> "KL β " + num(v);
            case "ldifs" -> "LDIFS λ " + num(v);
            case "interleave" -> "interleave f " + num(v);
            default -> "CAFT layer " + (int) v;
        };
    }

    static SafeguardSettings settings(String safeguard, double v, int layer, int layers) {
        return switch (safeguard) {
            case "steering" -> new PersonaSteering.Settings(v, layer, PersonaSteering.Scaling.RAW);
            case "kl" -> new KlToReference.Settings(v, KlToReference.Direction.FORWARD);
            // A policy's empty layer set: 5 evenly spaced, i.e. every layer of a base of at most 5.
            case "ldifs" ->
                new FeatureSpaceL2.Settings(
                        v, IntStream.rangeClosed(1, layers).boxed().toList());
            case "interleave" -> new Interleaving.Settings(v, EmBenchMaterial.benignPool(), Optional.empty());
            default -> new ConceptAblation.Settings(List.of((int) v));
        };
    }

    /** The current default with {@code safeguard} set to the proposal; the report is the version's reason. */
    private void createPolicy(
            String baseId,
            Options options,
            CalibrationProposal.Point chosen,
            List<String> referenceIds,
            String report) {
        String safeguard = options.safeguard();
        ApiClient client = safety.get();
        JsonNode current = client.get("/admin/safety-policies/default").ok();
        SafetyPolicy defaults = SafetyPolicyJson.read(current.path("document"));
        SafetyPolicy proposed = safeguard.equals(POLICIES)
                ? new SafetyPolicy(
                        EmBenchPolicies.safeguards(chosen.setting(), referenceIds), defaults.audit(), defaults.screen())
                : proposedPolicy(defaults, safeguard, chosen.strength(), options.layer());
        String reason = report.length() <= 2000 ? report : report.substring(0, 1997) + "...";
        JsonNode created = client.post(
                        "/admin/safety-policies",
                        Map.of(
                                "name",
                                "calibrated-" + baseId + "-" + safeguard,
                                "document",
                                SafetyPolicyJson.tree(proposed),
                                "reason",
                                reason))
                .ok();
        out.println("Created policy version " + created.path("id").asString() + " ("
                + created.path("name").asString() + " version "
                + created.path("version").asInt()
                + "); the default is unchanged: ./safetune admin policies set-default ID --reason ... moves it.");
    }

    /** {@code defaults} with {@code safeguard} set to strength {@code v}; every other field as it was. */
    static SafetyPolicy proposedPolicy(SafetyPolicy defaults, String safeguard, double v, int layer) {
        Safeguards s = defaults.safeguardsOrNone();
        Safeguards changed = switch (safeguard) {
            case "steering" ->
                new Safeguards(
                        s.kl(),
                        s.ldifs(),
                        new dev.safetune.core.policy.PersonaSteering(v, layer, SteeringScale.RAW),
                        s.interleave(),
                        s.inoculation(),
                        s.caft());
            case "kl" ->
                new Safeguards(
                        new dev.safetune.core.policy.KlToReference(v, KlDirection.FORWARD),
                        s.ldifs(),
                        s.steering(),
                        s.interleave(),
                        s.inoculation(),
                        s.caft());
            case "ldifs" ->
                new Safeguards(
                        s.kl(),
                        new dev.safetune.core.policy.FeatureSpaceL2(v, List.of()),
                        s.steering(),
                        s.interleave(),
                        s.inoculation(),
                        s.caft());
            case "interleave" ->
                new Safeguards(
                        s.kl(),
                        s.ldifs(),
                        s.steering(),
                        new BenignInterleaving(
                                v, InterleaveSelection.UNIFORM, null, null, EmBenchMaterial.BENIGN_POOL_ID, null),
                        s.inoculation(),
                        s.caft());
            default ->
                new Safeguards(
                        s.kl(),
                        s.ldifs(),
                        s.steering(),
                        s.interleave(),
                        s.inoculation(),
                        new dev.safetune.core.policy.ConceptAblation(List.of((int) v)));
        };
        return new SafetyPolicy(changed, defaults.audit(), defaults.screen());
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
