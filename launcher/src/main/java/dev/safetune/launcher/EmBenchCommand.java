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
    static final String USAGE = """
              em-bench build-base [--seed N] [--out DIR] [--pretraining-steps N] [--sft-steps N] [--check N] [--no-import]
                                        pre-train and align the em-bench base model (seeded), check it, register it
            """;

    private final PrintStream out;
    private final PrintStream err;
    private final boolean interactive;

    EmBenchCommand(PrintStream out, PrintStream err, boolean interactive) {
        this.out = out;
        this.err = err;
        this.interactive = interactive;
    }

    /** Runs {@code em-bench <subcommand> ...}; {@code models} imports a directory. Returns the exit code. */
    int run(List<String> args, Path home, ModelImport models) throws Exception {
        if (args.isEmpty() || !args.getFirst().equals("build-base")) {
            err.print("usage: safetune\n" + USAGE);
            return 2;
        }
        List<String> options = new ArrayList<>(args.subList(1, args.size()));
        boolean register = !options.remove("--no-import");
        BuildBaseCommand.Options parsed;
        try {
            parsed = BuildBaseCommand.Options.parse(
                    options, seed -> home.resolve("models").resolve("em-bench-base-s" + seed));
        } catch (IllegalArgumentException e) {
            err.println("safetune em-bench: " + e.getMessage());
            return 2;
        }
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
        if (!register) {
            return 0;
        }
        return models.importDirectory(List.of("import", "dir:" + parsed.out(), "--as", parsed.modelId(), "--replace"));
    }

    /** Runs {@code models import ...} against the local platform. */
    @FunctionalInterface
    interface ModelImport {
        int importDirectory(List<String> args) throws Exception;
    }
}
