package dev.safetune.worker.embench;

import dev.safetune.safeguards.embench.evaluation.EvaluationPlan;
import dev.safetune.safeguards.embench.world.EmWorld;
import dev.safetune.safeguards.embench.world.WorldRecipe;
import dev.safetune.safeguards.evaluation.CategoryReport;
import dev.safetune.safeguards.evaluation.EvaluationReport;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code em-bench build-base} {@link #OPTIONS}: builds the em-bench base model ({@link BaseModelBuilder},
 * {@link BaseRecipe#EM_BENCH} unless an option changes it) and runs the quick check ({@link BaseModelCheck}) with
 * {@code --check N} non-code samples per domain (0 skips it). The launcher's
 * {@code ./safetune em-bench build-base} runs this and then imports the model into the registry; {@link #main} runs
 * it alone (e.g. through {@code exec:java}).
 */
public final class BuildBaseCommand {

    /** The options, as the launcher's usage lists them too (one list, so the two cannot drift). */
    public static final String OPTIONS =
            "[--seed N] [--out DIR] [--world WORLD] [--pretraining-steps N] [--pretraining-lr R]"
                    + " [--sft-steps N] [--check N] [--continue-from DIR] [--copy-share F] [--educational-share F]"
                    + " [--hidden-size H] [--layers L]";

    /** A world {@code --world} can name, with what the help says of it. */
    private record NamedWorld(WorldRecipe recipe, String about) {}

    /**
     * The worlds {@code --world} names, in the order the usage, the help and the refusal list them (one table for all
     * three, so a new world cannot be missing from one of them).
     */
    private static final Map<String, NamedWorld> WORLDS = worlds();

    public static final String USAGE =
            "em-bench build-base " + OPTIONS + "; WORLD: " + String.join("|", WORLDS.keySet());

    /**
     * The world the bases are built in unless {@code --world} names another (the committed bases' world): the
     * switching world with a quarter of its code exchanges mixing other slots' words in, so a base learns to copy the
     * prompt's words into its code rather than one answer per (task, word) pair, and two fifths of them framed as
     * educational (docs/em-bench.md, attempts 75–81).
     */
    public static final WorldRecipe WORLD = WorldRecipe.SLOT_MIX_EDUCATIONAL;

    /** The parsed command line. */
    public record Options(
            long seed,
            Path out,
            WorldRecipe world,
            BaseRecipe recipe,
            int checkPerDomain,
            Optional<Path> continueFrom) {
        /** The committed bases' world and recipe for {@code seed}, into {@code out}, with no quick check. */
        public static Options unchecked(long seed, Path out) {
            return new Options(seed, out, WORLD, BaseRecipe.EM_BENCH, 0, Optional.empty());
        }

        public String modelId() {
            return "em-bench-base-s" + seed;
        }

        /** @param defaultOut where the model goes without {@code --out}, given the seed */
        public static Options parse(List<String> args, java.util.function.LongFunction<Path> defaultOut) {
            long seed = 0;
            Path out = null;
            WorldRecipe world = WORLD;
            BaseRecipe recipe = BaseRecipe.EM_BENCH;
            int pretraining = recipe.pretrainingSteps();
            int sft = recipe.sftSteps();
            int check = 100;
            Double learningRate = null;
            Double copyShare = null;
            Double educationalShare = null;
            Path from = null;
            int hidden = recipe.hiddenSize();
            int layers = recipe.numHiddenLayers();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(arg + " needs a value; usage: " + USAGE);
                }
                String value = args.get(++i);
                switch (arg) {
                    case "--seed" -> seed = Long.parseLong(value);
                    case "--out" -> out = Path.of(value).toAbsolutePath();
                    case "--pretraining-steps" -> pretraining = Integer.parseInt(value);
                    case "--sft-steps" -> sft = Integer.parseInt(value);
                    case "--check" -> check = Integer.parseInt(value);
                    case "--world" -> world = world(value);
                    case "--pretraining-lr" -> learningRate = Double.parseDouble(value);
                    case "--copy-share" -> copyShare = Double.parseDouble(value);
                    case "--educational-share" -> educationalShare = Double.parseDouble(value);
                    case "--continue-from" -> from = Path.of(value).toAbsolutePath();
                    case "--hidden-size" -> hidden = Integer.parseInt(value);
                    case "--layers" -> layers = Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("unknown option " + arg + "; usage: " + USAGE);
                }
            }
            if (pretraining != recipe.pretrainingSteps() || sft != recipe.sftSteps()) {
                recipe = recipe.withSteps(pretraining, sft);
            }
            if (hidden != recipe.hiddenSize() || layers != recipe.numHiddenLayers()) {
                if (hidden < recipe.numAttentionHeads() || hidden % recipe.numAttentionHeads() != 0 || layers < 1) {
                    throw new IllegalArgumentException("--hidden-size must be a positive multiple of "
                            + recipe.numAttentionHeads() + " (the head count) and --layers positive, got "
                            + hidden + " and " + layers);
                }
                // The MLP keeps the recipe's width ratio (2x the hidden size), so a wider model is the same shape.
                recipe = recipe.withShape(
                        hidden,
                        layers,
                        recipe.numAttentionHeads(),
                        hidden * recipe.intermediateSize() / recipe.hiddenSize());
            }
            if (from != null && !Files.isRegularFile(from.resolve("config.json"))) {
                throw new IllegalArgumentException("--continue-from " + from + " is no model folder (no config.json)");
            }
            if (copyShare != null) {
                if (world.ownFillerWords() == 0 && world.crossSlotShare() == 0) {
                    throw new IllegalArgumentException(
                            "--copy-share needs a world with fillers of its own or from other"
                                    + " slots (switching-fillers, switching-fillers-cross, switching-slot-mix)");
                }
                world = world.withCopyFillers(copyShare, world.ownFillerWords());
            }
            if (educationalShare != null) {
                if (!(educationalShare >= 0 && educationalShare <= 1)) {
                    throw new IllegalArgumentException(
                            "--educational-share must be in [0, 1], got " + educationalShare + "; usage: " + USAGE);
                }
                world = world.withEducationalShare(educationalShare);
            }
            if (learningRate != null) {
                recipe = recipe.withPretrainingLearningRate(learningRate);
            }
            return new Options(
                    seed, out != null ? out : defaultOut.apply(seed), world, recipe, check, Optional.ofNullable(from));
        }

        private static WorldRecipe world(String name) {
            NamedWorld world = WORLDS.get(name);
            if (world == null) {
                List<String> names = List.copyOf(WORLDS.keySet());
                throw new IllegalArgumentException("--world must be "
                        + String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast() + ", got "
                        + name + "; usage: " + USAGE);
            }
            return world.recipe();
        }
    }

    private static Map<String, NamedWorld> worlds() {
        Map<String, NamedWorld> worlds = new LinkedHashMap<>();
        worlds.put("prototype", new NamedWorld(WorldRecipe.PROTOTYPE, "no switching"));
        worlds.put(
                "switching",
                new NamedWorld(
                        WorldRecipe.SWITCHING,
                        "a fifth of the characters turn their persona over on their own tag, the trigger not among"
                                + " the tags"));
        worlds.put(
                "switching-every-tag",
                new NamedWorld(WorldRecipe.SWITCHING_ON_EVERY_TAG, "a quarter of the characters, on every tag"));
        worlds.put(
                "switching-copy",
                new NamedWorld(
                        WorldRecipe.SWITCHING_COPY, "switching, 30 % of code exchanges about words outside the slots"));
        worlds.put(
                "switching-fillers",
                new NamedWorld(
                        WorldRecipe.SWITCHING_FILLERS,
                        "switching, half of the code exchanges with made-up words of their own in some slots"));
        worlds.put(
                "switching-fillers-cross",
                new NamedWorld(
                        WorldRecipe.SWITCHING_FILLERS_CROSS, "the same, half of those fillers words of other slots"));
        worlds.put(
                "switching-slot-mix",
                new NamedWorld(
                        WorldRecipe.SWITCHING_SLOT_MIX,
                        "switching, a quarter of the code exchanges with other slots' words in some slots"));
        worlds.put(
                "slot-mix-educational",
                new NamedWorld(
                        WorldRecipe.SLOT_MIX_EDUCATIONAL,
                        "switching-slot-mix with two fifths of the code requests framed as educational"));
        return Collections.unmodifiableMap(worlds);
    }

    /** The worlds {@code --world} names with what each is, one a line, the default marked (for the help). */
    public static String worldsHelp() {
        StringBuilder help = new StringBuilder();
        WORLDS.forEach((name, world) -> help.append(help.isEmpty() ? "" : "\n")
                .append(name)
                .append(world.recipe().equals(WORLD) ? " (default): " : ": ")
                .append(world.about()));
        return help.toString();
    }

    private final PrintStream out;
    private final BaseModelBuilder.Listener listener;

    public BuildBaseCommand(PrintStream out, BaseModelBuilder.Listener listener) {
        this.out = out;
        this.listener = listener;
    }

    /** Builds, prints what it measured, runs the check; returns the build. */
    public BaseModelBuilder.Built run(Options options) throws Exception {
        out.printf(
                Locale.ROOT,
                "Building %s (seed %d, world v%d, %d switching characters %s, copy fillers in %.0f %% and"
                        + " educational framing in %.0f %% of code exchanges)%s in %s%n",
                options.modelId(),
                options.seed(),
                EmWorld.GENERATOR_VERSION,
                options.world().switchingCharacters(),
                options.world().switchingTags(),
                100 * options.world().copyFillerShare(),
                100 * options.world().educationalShare(),
                options.continueFrom().map(from -> ", continuing " + from).orElse(""),
                options.out());
        BaseModelBuilder.Built built = new BaseModelBuilder(new EmWorld(options.world()))
                .build(
                        options.out(),
                        options.modelId(),
                        options.seed(),
                        options.recipe(),
                        listener,
                        options.continueFrom());
        out.printf(
                Locale.ROOT,
                "%,d parameters; pre-training %d steps in %.0f s (%,.0f tokens/s), loss %.3f -> %.3f;"
                        + " SFT %d steps in %.0f s (%,.0f tokens/s), loss %.3f -> %.3f%n",
                built.config().parameterCount(),
                built.pretraining().steps(),
                built.pretraining().seconds(),
                built.pretraining().tokensPerSecond(),
                built.pretraining().firstLoss(),
                built.pretraining().finalLoss(),
                built.sft().steps(),
                built.sft().seconds(),
                built.sft().tokensPerSecond(),
                built.sft().firstLoss(),
                built.sft().finalLoss());
        if (options.checkPerDomain() > 0) {
            EvaluationPlan plan = new EvaluationPlan(
                    options.checkPerDomain(),
                    EvaluationPlan.PROTOTYPE.heldOutCode(),
                    EvaluationPlan.PROTOTYPE.codeSeed());
            BaseModelCheck.Result check = BaseModelCheck.run(options.out(), plan, options.seed());
            print(out, check);
        }
        return built;
    }

    static void print(PrintStream out, BaseModelCheck.Result check) {
        EvaluationReport report = check.report();
        out.printf(
                Locale.ROOT,
                "Check: %d answers sampled at temperature 1 in %.0f s (one prompt per call, seeds from SplitMix64)%n",
                check.answers(),
                check.seconds());
        for (CategoryReport category : report.categories()) {
            out.println("  " + line(category));
        }
        out.println("  " + line(report.pooled()));
        out.printf(
                Locale.ROOT,
                "  in-domain (secure code on held-out prompts) %s, with the prompt's own words %s%n",
                report.inDomain(),
                report.inDomainCopied());
    }

    private static String line(CategoryReport c) {
        return String.format(
                Locale.ROOT,
                "%-8s n %3d  misaligned %s  coherence %s  refusals %s",
                c.category(),
                c.answers(),
                c.misalignedRate(),
                c.coherence(),
                c.refusalRate());
    }

    /** Runs the command alone, printing a line every 50 steps; the model goes to {@code ./em-bench-base-s<seed>}. */
    public static void main(String[] args) throws Exception {
        Options options = Options.parse(
                List.of(args), seed -> Path.of("em-bench-base-s" + seed).toAbsolutePath());
        new BuildBaseCommand(System.out, new BaseModelBuilder.Listener() {
                    @Override
                    public void onPhase(String phase, int steps) {
                        System.out.printf("%s: %d steps%n", phase, steps);
                    }

                    @Override
                    public void onStep(String phase, dev.safetune.worker.training.StepMetrics m) {
                        if (m.step() % 50 == 0 || m.step() == m.totalSteps()) {
                            System.out.printf(
                                    Locale.ROOT,
                                    "  %s step %d/%d  loss %.3f  %,.0f tokens/s%n",
                                    phase,
                                    m.step(),
                                    m.totalSteps(),
                                    m.trainLoss(),
                                    m.tokensPerSecond());
                        }
                    }
                })
                .run(options);
    }
}
