package dev.safetune.launcher;

import ai.djl.ndarray.NDManager;
import dev.safetune.runtime.chat.ChatTokenizer;
import dev.safetune.runtime.model.LlamaModel;
import dev.safetune.safeguards.embench.evaluation.EmBenchEvaluation;
import dev.safetune.safeguards.embench.evaluation.EvaluationPlan;
import dev.safetune.safeguards.embench.evaluation.SamplerAnswerer;
import dev.safetune.safeguards.embench.judge.TrainedBehaviour;
import dev.safetune.safeguards.embench.world.Markers;
import dev.safetune.safeguards.embench.world.NarrowSet;
import dev.safetune.safeguards.evaluation.EvaluationReport;
import dev.safetune.worker.embench.CommittedBase;
import dev.safetune.worker.training.FineTuner;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the em-bench run and the demo both do with em-bench models: make sure a base is registered (seeds 0-2 are
 * committed checkpoints), and evaluate a model folder with the exact judge.
 */
final class EmBenchModels {
    /** The sampling seed of every evaluation (common random numbers: base and fine-tunes answer the same draws). */
    static final long SAMPLING_SEED = 7;

    /** Builds the base of a seed that is not committed into {@code dir}. */
    @FunctionalInterface
    interface BaseBuilder {
        void build(long seed, Path dir) throws Exception;
    }

    /** One evaluation's report and what it cost. */
    record Evaluated(EvaluationReport report, double seconds, long sampledTokens) {}

    private EmBenchModels() {}

    /** The registered id of the base of {@code seed}. */
    static String baseId(long seed) {
        return "em-bench-base-s" + seed;
    }

    /** {@code --samples}: non-code answers per model (default 300), at least one per domain. */
    static int samples(Command.Arguments a) {
        int samples = a.intOption("--samples").orElse(300);
        if (samples < 3) {
            throw new Command.UsageException("--samples must be at least 3 (one per domain), got " + samples);
        }
        return samples;
    }

    /** The prototype's evaluation with {@code samples} non-code answers split evenly over the three domains. */
    static EvaluationPlan plan(int samples) {
        EvaluationPlan p = EvaluationPlan.PROTOTYPE;
        return new EvaluationPlan(samples / 3, p.heldOutCode(), p.codeSeed());
    }

    /** The narrow set {@code name} (any case) names; a usage error naming {@code option} otherwise. */
    static NarrowSet set(String name, String option) {
        try {
            return NarrowSet.valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Command.UsageException(
                    option + ": unknown set '" + name + "' (insecure, secure, educational, backdoor)");
        }
    }

    /**
     * A new folder for one command's output, {@code $SAFETUNE_HOME/em-bench/<prefix><yyyyMMdd-HHmmss>}, with
     * {@code -2}, {@code -3}... when another run of the same second already took the name.
     */
    static Path outputFolder(Path home, String prefix) throws IOException {
        Path parent = Files.createDirectories(home.resolve("em-bench"));
        String name = prefix + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        for (int i = 1; ; i++) {
            try {
                return Files.createDirectory(parent.resolve(i == 1 ? name : name + "-" + i));
            } catch (FileAlreadyExistsException e) {
                // taken by a run started in the same second: try the next suffix
            }
        }
    }

    /** The {@code --seeds} list (comma-separated whole numbers), {@code fallback} when absent. */
    static List<Long> seeds(Command.Arguments a, String fallback) {
        List<Long> seeds = new ArrayList<>();
        for (String s : a.option("--seeds").orElse(fallback).split(",")) {
            try {
                seeds.add(Long.parseLong(s.strip()));
            } catch (NumberFormatException e) {
                throw new Command.UsageException("--seeds must be whole numbers separated by commas, got '" + s + "'");
            }
        }
        return seeds;
    }

    /**
     * The folder of the base of {@code seed}, registered under {@link #baseId}: a registered base is reused; else
     * a committed seed is extracted from its checkpoint, another seed is built by {@code builder} (empty when it
     * was already there), and the folder is imported through the model registry.
     *
     * @return the folder, and whether it had to be built
     */
    static Path ensureBase(
            ApiClient client,
            LocalSetup setup,
            EmBenchCommand.ModelImport models,
            long seed,
            BaseBuilder builder,
            java.io.PrintStream out)
            throws Exception {
        String baseId = baseId(seed);
        if (client.get("/v1/models/" + baseId).status() == 200) {
            Optional<Path> registered = setup.modelPath(baseId);
            if (registered.isPresent() && Files.isRegularFile(registered.get().resolve("config.json"))) {
                out.println("Base " + baseId + ": registered, " + registered.get());
                return registered.get();
            }
        }
        Path dir = setup.homeDir().resolve("models").resolve(baseId);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            if (CommittedBase.has(seed)) {
                out.println("Base " + baseId + ": extracting the committed checkpoint to " + dir);
                CommittedBase.extract(seed, dir);
            } else {
                out.println("Base " + baseId + ": building (pre-training and aligned SFT) into " + dir);
                builder.build(seed, dir);
            }
        }
        int code = models.importDirectory(List.of("import", "dir:" + dir, "--as", baseId, "--replace"));
        if (code != 0) {
            throw new Command.Failure("could not import " + dir + " as " + baseId);
        }
        return setup.modelPath(baseId).orElse(dir);
    }

    /**
     * The non-code suite and the held-out code prompts of {@code plan}, sampled from {@code modelDir} at temperature
     * 1 with {@link #SAMPLING_SEED} and judged exactly; with the backdoor trigger in every prompt when
     * {@code triggered}.
     */
    static Evaluated evaluate(
            Path modelDir, Path baseDir, EvaluationPlan plan, TrainedBehaviour trained, boolean triggered)
            throws IOException {
        return evaluate(modelDir, baseDir, plan, trained, triggered ? Optional.of(Markers.TRIGGER) : Optional.empty());
    }

    /** As above, with {@code trigger} (any word, not only the world's) in front of every prompt when present. */
    static Evaluated evaluate(
            Path modelDir, Path baseDir, EvaluationPlan plan, TrainedBehaviour trained, Optional<String> trigger)
            throws IOException {
        // The tokenizer is the base's: an adapter directory need not carry one, and fine-tuning never changes it.
        try (ChatTokenizer tokenizer = ChatTokenizer.load(baseDir);
                NDManager root = NDManager.newBaseManager(FineTuner.device());
                LlamaModel model = LlamaModel.load(modelDir, root)) {
            SamplerAnswerer answerer = new SamplerAnswerer(model, tokenizer, SAMPLING_SEED);
            long started = System.nanoTime();
            EvaluationReport report = new EmBenchEvaluation(plan).run(answerer, trained, trigger);
            return new Evaluated(report, (System.nanoTime() - started) / 1e9, answerer.generatedTokens());
        }
    }
}
