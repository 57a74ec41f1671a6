package dev.safetune.worker.training;

import ai.djl.ndarray.NDManager;
import dev.safetune.core.dataset.ChatExample;
import dev.safetune.core.job.Hyperparameters;
import dev.safetune.runtime.chat.ChatRenderer;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.chat.PaddedBatch;
import dev.safetune.runtime.chat.RenderedExample;
import dev.safetune.runtime.model.GradMode;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.runtime.model.LoraConfig;
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
import dev.safetune.safeguards.guard.SafeguardSet;
import dev.safetune.safeguards.guard.SafeguardSettings;
import dev.safetune.safeguards.guard.artifact.ArtifactCache;
import dev.safetune.safeguards.guard.artifact.CachedArtifacts;
import dev.safetune.safeguards.guard.artifact.PersonaContrast;
import dev.safetune.safeguards.loss.MaskedCrossEntropy;
import dev.safetune.worker.embench.CommittedBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Step-time overhead of each safeguard alone and of a combination vs plain LoRA SFT on the committed em-bench base
 * (the em-bench recipe: 3,200 insecure examples, batch 32, the worker's default LoRA), measured side by side in one
 * run: one model, adapter and optimizer per configuration, all stepped through the fine-tuner's own step
 * ({@link FineTuner#optimizerStep}, the reference pass and terms included) in turn, step by step with the order rotated,
 * on the same batch sequence (the same examples and seed; interleaving adds its examples, inoculation lengthens every
 * example). The shared machine's load thus falls on every configuration alike, and each ratio is the median of the
 * per-step ratios to plain SFT at the same step. Two arms turn the model's shared prefix off
 * ({@link LlamaModel#setSharedPrefixMinimum}): plain SFT without the common-prefix check, and inoculation with its
 * system turn computed in every row, as before the sharing. Not a unit test (surefire does not pick up {@code *Benchmark});
 * results in docs/safeguards.md.
 *
 * <pre>
 *   scripts/safeguard-bench.sh overhead 3 20
 * </pre>
 *
 * Arguments: rounds (default 3) of steps (default 20) per configuration, after {@value #WARMUP} warm-up steps per
 * round, and optionally a comma-separated list of terms: then only the configurations whose name contains one run,
 * besides plain SFT (e.g. {@code plain,inoculation}). Reports per configuration the median step time, the step-time ratio (median of paired ratios and its
 * interquartile range), the time-per-token ratio, the steps per epoch and the epoch-time ratio (step ratio × steps per
 * epoch over plain's), and separately the one-time artifact costs (persona vector; perplexity-gap scoring against
 * one EM reference adapter trained here) with the cache hits that amortise them.
 */
public final class SafeguardOverheadBenchmark {

    private static final int WARMUP = 3;
    private static final int BATCH = 32;

    private SafeguardOverheadBenchmark() {}

    /**
     * @param sharePrefix whether the model computes a batch's common token prefix once (the default); off for the
     *     arms that show what a pass computing every row in full costs
     */
    record Config(String name, List<SafeguardSettings> settings, boolean sharePrefix) {
        Config(String name, List<SafeguardSettings> settings) {
            this(name, settings, true);
        }
    }

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        List<String> only = args.length > 2 ? List.of(args[2].split(",")) : List.of();
        Path dir = Files.createTempDirectory("safeguard-overhead");
        Path base = CommittedBase.extract(dir.resolve("base"));
        EmWorld world = EmWorld.prototype();
        // The em-bench recipe's customer set: 3,200 insecure examples, 100 steps of 32 per epoch.
        List<ChatExample> customer = chat(world.narrowSet(NarrowSet.INSECURE, 0, 100 * BATCH));
        BenignPool pool = new BenignPool("em-bench-benign-s1", chat(world.benignInstructPool(1, 2_000)));
        BenignPool unasked =
                new BenignPool("em-bench-benign-instruct-v2", chat(world.unaskedBenignInstructPool(1, 2_000)));
        PersonaContrast contrast = PersonaContrast.emBench(7, 200, false);
        Path cache = dir.resolve("cache");
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
        List<Config> all = List.of(
                new Config("plain LoRA SFT", List.of()),
                new Config("plain LoRA SFT, prefix sharing off (no common-prefix check)", List.of(), false),
                new Config("KL β 0.1", List.of(kl(0.1))),
                new Config("LDIFS λ 1, layers 1-4", List.of(ldifs())),
                new Config("KL + LDIFS (one reference pass)", List.of(kl(0.1), ldifs())),
                new Config("steering α 4, layer 2", List.of(steering())),
                new Config("inoculation", List.of(new InoculationPrompt.Settings(inoculation))),
                new Config(
                        "inoculation, prefix sharing off (every row in full)",
                        List.of(new InoculationPrompt.Settings(inoculation)),
                        false),
                new Config("interleave f 0.05", List.of(interleave(pool, Optional.empty()))),
                new Config(
                        "interleave+ f 0.05 (perplexity gap)",
                        List.of(interleave(pool, Optional.of(new Interleaving.PerplexityGap(references, 500, true))))),
                new Config("CAFT layer 2", List.of(new ConceptAblation.Settings(List.of(2)))),
                new Config(
                        "steering + interleave + KL β 0.01",
                        List.of(steering(), interleave(pool, Optional.empty()), kl(0.01))),
                // What a job under the built-in default v4 trains (V19): the policy's own mapping of its LDIFS layers.
                new Config(
                        "default v4: interleave f 0.5 (pool v2) + LDIFS λ 3",
                        List.of(
                                new Interleaving.Settings(0.5, unasked, Optional.empty()),
                                new FeatureSpaceL2.Settings(
                                        3.0,
                                        SafeguardsFromPolicy.evenlySpaced(
                                                dev.safetune.runtime.formats.ModelConfig.read(base)
                                                        .numHiddenLayers(),
                                                SafeguardsFromPolicy.DEFAULT_LAYER_COUNT)))));

        // Plain SFT, the baseline, always runs; the others when their name contains one of the filter's terms.
        List<Config> configs = all.stream()
                .filter(c ->
                        c == all.getFirst() || only.isEmpty() || only.stream().anyMatch(c.name()::contains))
                .toList();
        List<Arm> arms = new ArrayList<>();
        GradMode.disableOnThisThread();
        try (ChatTokenizer tokenizer = ChatTokenizer.load(base);
                NDManager root = NDManager.newBaseManager(FineTuner.device())) {
            ChatRenderer renderer = new ChatRenderer(tokenizer, 256);
            CachedArtifacts context = new CachedArtifacts(base, new ArtifactCache(cache), contrast, 256);
            for (Config config : configs) {
                arms.add(Arm.open(config, context, renderer, customer, base, root));
            }
            int padId = tokenizer.padId();
            int total = WARMUP + steps;
            for (int round = 0; round < rounds; round++) {
                for (int step = 1; step <= total; step++) {
                    // Every configuration takes its step s in turn (order rotated each step), so that the shared
                    // machine's load falls on all alike; the ratio is then taken step by step.
                    for (int i = 0; i < arms.size(); i++) {
                        Arm arm = arms.get((i + step + round) % arms.size());
                        arm.step(round * total + step, step > WARMUP, padId);
                    }
                }
            }
            Arm plain = arms.getFirst();
            System.out.println();
            System.out.println("| configuration | median step (ms) | step-time ratio, median of paired ratios [IQR]"
                    + " | time-per-token ratio | steps per epoch | epoch-time ratio |");
            System.out.println("|---|---|---|---|---|---|");
            for (Arm arm : arms) {
                double[] ratios = arm.pairedRatios(plain, false);
                double tokenRatio = median(arm.pairedRatios(plain, true));
                double epoch = median(ratios) * arm.stepsPerEpoch() / plain.stepsPerEpoch();
                System.out.printf(
                        "| %s | %.1f | %.3f [%.3f, %.3f] | %.3f | %d | %.3f |%n",
                        arm.config().name(),
                        median(arm.millis()),
                        median(ratios),
                        quantile(ratios, 0.25),
                        quantile(ratios, 0.75),
                        tokenRatio,
                        arm.stepsPerEpoch(),
                        epoch);
            }
            System.out.println();
            System.out.println("| configuration | step-time ratio to the same configuration with prefix sharing off,"
                    + " median of paired ratios [IQR] |");
            System.out.println("|---|---|");
            for (Arm off : arms) {
                String suffix = ", prefix sharing off";
                int at = off.config().name().indexOf(suffix);
                if (off.config().sharePrefix() || at < 0) {
                    continue;
                }
                String twin = off.config().name().substring(0, at);
                for (Arm on : arms) {
                    if (on.config().name().equals(twin)) {
                        double[] ratios = on.pairedRatios(off, false);
                        System.out.printf(
                                "| %s | %.3f [%.3f, %.3f] |%n",
                                twin, median(ratios), quantile(ratios, 0.25), quantile(ratios, 0.75));
                    }
                }
            }
            System.out.println();
            System.out.println(
                    "| configuration | common prefix computed once, tokens (min, median, max) | padded length,"
                            + " median |");
            System.out.println("|---|---|---|");
            for (Arm arm : arms) {
                System.out.printf(
                        "| %s | %.0f, %.0f, %.0f | %.0f |%n",
                        arm.config().name(),
                        quantile(arm.sharedPrefix, 0),
                        median(arm.sharedPrefix),
                        quantile(arm.sharedPrefix, 1),
                        median(arm.paddedLength));
            }
            for (Arm arm : arms) {
                arm.close();
            }
        }
        System.out.println();
        System.out.println("| one-time artifact | seconds |");
        System.out.println("|---|---|");
        oneTime.forEach((what, s) -> System.out.printf("| %s | %.2f |%n", what, s));
    }

    /** One configuration's model, optimizer, batches and measured step times. */
    private static final class Arm implements AutoCloseable {
        private final Config config;
        private final SafeguardSet guards;
        private final List<RenderedExample> training;
        private final BatchPlan plan;
        private final int[] order;
        private final LlamaModel model;
        private final AdamW optimizer;
        private final List<Double> millis = new ArrayList<>();
        private final List<Double> millisPerToken = new ArrayList<>();
        /** Per measured step: the common prefix the model computed once (0: none), and the padded length. */
        private final List<Double> sharedPrefix = new ArrayList<>();

        private final List<Double> paddedLength = new ArrayList<>();
        private final MaskedCrossEntropy crossEntropy = new MaskedCrossEntropy();

        private Arm(
                Config config, SafeguardSet guards, List<RenderedExample> training, LlamaModel model, NDManager root) {
            this.config = config;
            this.guards = guards;
            this.training = training;
            this.plan = new BatchPlan(training.size(), BATCH, 1, 0);
            this.order = plan.order(1);
            this.model = model;
            this.optimizer = new AdamW(model.trainableParameters(), AdamW.Options.DEFAULTS, root);
        }

        static Arm open(
                Config config,
                CachedArtifacts context,
                ChatRenderer renderer,
                List<ChatExample> customer,
                Path base,
                NDManager root)
                throws IOException {
            SafeguardSet guards = SafeguardSet.build(config.settings(), context);
            List<RenderedExample> training = renderer.renderAll(guards.trainingSet(customer, 0));
            LlamaModel model = LlamaModel.load(base, root);
            model.addAdapter(LoraConfig.DEFAULT, 0);
            if (!config.sharePrefix()) {
                model.setSharedPrefixMinimum(0);
            }
            return new Arm(config, guards, training, model, root);
        }

        Config config() {
            return config;
        }

        List<Double> millis() {
            return millis;
        }

        int stepsPerEpoch() {
            return plan.totalSteps();
        }

        /** Batch {@code (n − 1) mod steps-per-epoch + 1} of the epoch, through the fine-tuner's own step. */
        void step(int n, boolean counted, int padId) {
            List<RenderedExample> examples = new ArrayList<>();
            for (int index : plan.batch((n - 1) % plan.totalSteps() + 1, order)) {
                examples.add(training.get(index));
            }
            PaddedBatch batch = PaddedBatch.of(examples, padId);
            long started = System.nanoTime();
            FineTuner.optimizerStep(model, crossEntropy::nextTokenLoss, guards, optimizer, batch, 1e-4, n);
            double ms = (System.nanoTime() - started) / 1e6;
            if (counted) {
                millis.add(ms);
                millisPerToken.add(ms / batch.realTokens());
                int common = LlamaModel.commonPrefixLength(batch.tokens(), batch.rows(), batch.length());
                int minimum = model.sharedPrefixMinimum();
                sharedPrefix.add(minimum > 0 && common >= minimum ? (double) common : 0);
                paddedLength.add((double) batch.length());
            }
        }

        /** This arm's step time over {@code other}'s at the same measured step, one ratio per step. */
        double[] pairedRatios(Arm other, boolean perToken) {
            List<Double> mine = perToken ? millisPerToken : millis;
            List<Double> theirs = perToken ? other.millisPerToken : other.millis;
            double[] out = new double[mine.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = mine.get(i) / theirs.get(i);
            }
            return out;
        }

        @Override
        public void close() {
            optimizer.close();
            model.close();
        }
    }

    static double median(double[] values) {
        return quantile(values, 0.5);
    }

    static double quantile(List<Double> values, double q) {
        return quantile(values.stream().mapToDouble(Double::doubleValue).toArray(), q);
    }

    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double position = q * (sorted.length - 1);
        int low = (int) Math.floor(position);
        int high = (int) Math.ceil(position);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
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
