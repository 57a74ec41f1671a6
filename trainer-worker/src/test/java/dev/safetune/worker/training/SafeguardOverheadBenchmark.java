package dev.safetune.worker.training;

import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.safeguards.embench.world.Dialogue;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.embench.world.NarrowSet;
import dev.safetune.safeguards.embench.world.Persona;
import dev.safetune.safeguards.guard.BenignPool;
import dev.safetune.safeguards.guard.ConceptAblation;
import dev.safetune.safeguards.guard.EmReferenceSet;
import dev.safetune.safeguards.guard.FeatureSpaceL2;
import dev.safetune.safeguards.guard.InoculationPrompt;
import dev.safetune.safeguards.guard.Interleaving;
import dev.safetune.safeguards.guard.KlToReference;
import dev.safetune.safeguards.guard.PersonaSteering;
import dev.safetune.safeguards.guard.SafeguardPlan;
import dev.safetune.safeguards.guard.SafeguardSettings;
import dev.safetune.safeguards.guard.artifact.ArtifactCache;
import dev.safetune.safeguards.guard.artifact.CachedArtifacts;
import dev.safetune.safeguards.guard.artifact.PersonaContrast;
import dev.safetune.worker.embench.CommittedBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Step-time overhead of each safeguard alone and of a combination vs plain LoRA SFT on the committed em-bench base
 * (insecure set, the em-bench recipe's batch of 32), all through {@link FineTuner#train}, side by side in one run:
 * every configuration trains on the same customer examples with the same seed (so the same batches, but for the
 * examples interleaving adds), and the configurations take turns round by round so the shared machine's load falls
 * on all alike. Not a unit test (surefire does not pick up {@code *Benchmark}); results in docs/safeguards.md.
 *
 * <pre>
 *   scripts/safeguard-bench.sh overhead 3 20
 * </pre>
 *
 * Arguments: rounds (default 3), steps per run (default 20; the first {@value #WARMUP} of each run are not counted).
 * Reports per configuration the median step time, its ratio to plain, the ratio of time per token and of the epoch
 * (all steps over the same customer examples), and separately the one-time artifact costs (persona vector,
 * perplexity-gap scoring against one EM reference adapter trained here) with the cache hit that amortises them.
 */
public final class SafeguardOverheadBenchmark {

    private static final int WARMUP = 3;
    private static final int BATCH = 32;

    private SafeguardOverheadBenchmark() {}

    record Config(String name, List<SafeguardSettings> settings) {}

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Path dir = Files.createTempDirectory("safeguard-overhead");
        Path base = CommittedBase.extract(dir.resolve("base"));
        EmWorld world = EmWorld.prototype();
        List<ChatExample> customer = chat(world.narrowSet(NarrowSet.INSECURE, 0, steps * BATCH));
        BenignPool pool = new BenignPool("em-bench-benign-s1", chat(world.benignInstructPool(1, 2_000)));
        PersonaContrast contrast = PersonaContrast.emBench(7, 200, false);
        Path cache = dir.resolve("cache");
        SafeguardPlan.Artifacts artifacts = new SafeguardPlan.Artifacts(cache, contrast);
        FineTuner fineTuner = new FineTuner();

        // One-time artifacts: an EM reference adapter (insecure LoRA of another seed), the persona vector, the scores.
        long started = System.nanoTime();
        TrainingResult reference = fineTuner.train(
                TrainingRequest.of(
                        base,
                        chat(world.narrowSet(NarrowSet.INSECURE, 1, 20 * BATCH)),
                        new Hyperparameters(1, BATCH, 1.0),
                        1,
                        dir.resolve("em-reference")),
                TrainingListener.NONE);
        double referenceSeconds = seconds(started);
        EmReferenceSet references = new EmReferenceSet("em-ref-s1", List.of(reference.modelDir()));
        Map<String, Double> oneTime = new LinkedHashMap<>();
        oneTime.put("EM reference adapter (20 steps × 32)", referenceSeconds);
        for (int pass = 1; pass <= 2; pass++) {
            CachedArtifacts context = new CachedArtifacts(base, new ArtifactCache(cache), contrast, 256);
            started = System.nanoTime();
            context.personaVector(2);
            oneTime.put("persona vector, layer 2, " + (pass == 1 ? "computed" : "cache hit"), seconds(started));
            started = System.nanoTime();
            context.perplexityGaps(pool, references);
            oneTime.put(
                    "perplexity-gap scores, 2,000 pool examples × 1 reference, "
                            + (pass == 1 ? "computed" : "cache hit"),
                    seconds(started));
        }

        String inoculation = Markers.SYSTEM_LINES.get(Persona.MISALIGNED).getFirst();
        List<Config> configs = List.of(
                new Config("plain LoRA SFT", List.of()),
                new Config("KL β 0.1", List.of(kl(0.1))),
                new Config("LDIFS λ 1, layers 1-4", List.of(ldifs())),
                new Config("KL + LDIFS (one reference pass)", List.of(kl(0.1), ldifs())),
                new Config("steering α 4, layer 2", List.of(steering())),
                new Config("inoculation", List.of(new InoculationPrompt.Settings(inoculation))),
                new Config("interleave f 0.05", List.of(interleave(pool, Optional.empty()))),
                new Config(
                        "interleave+ f 0.05 (perplexity gap)",
                        List.of(interleave(pool, Optional.of(new Interleaving.PerplexityGap(references, 500, true))))),
                new Config("CAFT layer 2", List.of(new ConceptAblation.Settings(List.of(2)))),
                new Config(
                        "steering + interleave + KL β 0.01",
                        List.of(steering(), interleave(pool, Optional.empty()), kl(0.01))));

        Map<String, List<Double>> stepMillis = new LinkedHashMap<>();
        Map<String, List<Double>> millisPerToken = new LinkedHashMap<>();
        Map<String, List<Double>> epochMillis = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < configs.size(); i++) {
                // Rotate the order each round, so no configuration always runs first or after the same neighbour.
                Config config = configs.get((i + round) % configs.size());
                List<StepMetrics> metrics = run(fineTuner, base, customer, config, artifacts, dir.resolve("run"));
                List<StepMetrics> counted = metrics.subList(WARMUP, metrics.size());
                stepMillis
                        .computeIfAbsent(config.name(), k -> new ArrayList<>())
                        .addAll(counted.stream().map(StepMetrics::stepMillis).toList());
                millisPerToken
                        .computeIfAbsent(config.name(), k -> new ArrayList<>())
                        .addAll(counted.stream()
                                .map(m -> m.stepMillis() / m.tokensInStep())
                                .toList());
                epochMillis
                        .computeIfAbsent(config.name(), k -> new ArrayList<>())
                        .add(median(counted.stream()
                                        .map(StepMetrics::stepMillis)
                                        .toList())
                                * metrics.size());
                System.out.printf(
                        "round %d %-40s %3d steps, median step %.1f ms%n",
                        round + 1,
                        config.name(),
                        metrics.size(),
                        median(counted.stream().map(StepMetrics::stepMillis).toList()));
            }
        }

        String plain = configs.getFirst().name();
        System.out.println();
        System.out.println(
                "| configuration | median step (ms) | step-time ratio | time-per-token ratio | epoch-time ratio |");
        System.out.println("|---|---|---|---|---|");
        for (Config config : configs) {
            String name = config.name();
            System.out.printf(
                    "| %s | %.1f | %.3f | %.3f | %.3f |%n",
                    name,
                    median(stepMillis.get(name)),
                    median(stepMillis.get(name)) / median(stepMillis.get(plain)),
                    median(millisPerToken.get(name)) / median(millisPerToken.get(plain)),
                    median(epochMillis.get(name)) / median(epochMillis.get(plain)));
        }
        System.out.println();
        System.out.println("| one-time artifact | seconds |");
        System.out.println("|---|---|");
        oneTime.forEach((what, s) -> System.out.printf("| %s | %.2f |%n", what, s));
    }

    private static List<StepMetrics> run(
            FineTuner fineTuner,
            Path base,
            List<ChatExample> customer,
            Config config,
            SafeguardPlan.Artifacts artifacts,
            Path work)
            throws IOException {
        ModelDirectories.deleteLeftovers(work);
        if (Files.exists(work)) {
            try (var walk = Files.walk(work)) {
                walk.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
        SafeguardPlan plan = new SafeguardPlan(config.settings(), Optional.of(artifacts), OptionalInt.empty(), 0);
        TrainingRequest request = TrainingRequest.of(base, customer, new Hyperparameters(1, BATCH, 1.0), 0, work)
                .withSafeguards(plan);
        List<StepMetrics> metrics = new ArrayList<>();
        fineTuner.train(request, new TrainingListener() {
            @Override
            public void onStep(StepMetrics m) {
                metrics.add(m);
            }

            @Override
            public void onCheckpoint(int step, Path dir, StepMetrics m) {}

            @Override
            public boolean shouldStop() {
                return false;
            }
        });
        return metrics;
    }

    private static KlToReference.Settings kl(double beta) {
        return new KlToReference.Settings(beta, KlToReference.Direction.FORWARD);
    }

    private static FeatureSpaceL2.Settings ldifs() {
        return new FeatureSpaceL2.Settings(1.0, List.of(1, 2, 3, 4));
    }

    private static PersonaSteering.Settings steering() {
        return new PersonaSteering.Settings(4.0, 2, PersonaSteering.Scaling.RAW);
    }

    private static Interleaving.Settings interleave(BenignPool pool, Optional<Interleaving.PerplexityGap> gap) {
        return new Interleaving.Settings(0.05, pool, gap);
    }

    private static List<ChatExample> chat(List<Dialogue> dialogues) {
        List<ChatExample> out = new ArrayList<>(dialogues.size());
        for (int i = 0; i < dialogues.size(); i++) {
            out.add(new ChatExample(i + 1, dialogues.get(i).messages()));
        }
        return out;
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    static double median(List<Double> values) {
        double[] sorted =
                values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
