package dev.safetune.launcher;

import dev.safetune.worker.registry.ImportProgress;
import dev.safetune.worker.registry.ImportRequest;
import dev.safetune.worker.registry.ImportSource;
import dev.safetune.worker.registry.ImportStage;
import dev.safetune.worker.registry.ImportedModel;
import dev.safetune.worker.registry.ModelImportException;
import dev.safetune.worker.registry.ModelImporter;
import dev.safetune.worker.registry.hub.HubSettings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./safetune models import SOURCE [--as ID] [--replace] [--parallel N]}: imports a base model from
 * {@code hf:<repo_id>[@<revision>]} or {@code dir:<path>} into the database and artifacts directory the local platform
 * uses, in this process (no server needed), with a progress bar. {@code HF_TOKEN} and {@code HF_ENDPOINT} are read as
 * huggingface_hub reads them.
 */
final class ModelsCommand {
    /** Where the import writes: the platform's database and artifacts directory. */
    record Target(String jdbcUrl, Path artifactsDir) {}

    /** Opens the target for one import and closes it afterwards (the local database may be an embedded one). */
    @FunctionalInterface
    interface Workspace {
        int run(TargetAction action) throws Exception;
    }

    @FunctionalInterface
    interface TargetAction {
        int run(Target target) throws Exception;
    }

    private final PrintStream out;
    private final PrintStream err;
    private final boolean interactive;
    private final Map<String, String> environment;
    private final Workspace workspace;

    ModelsCommand(
            PrintStream out,
            PrintStream err,
            boolean interactive,
            Map<String, String> environment,
            Workspace workspace) {
        this.out = out;
        this.err = err;
        this.interactive = interactive;
        this.environment = environment;
        this.workspace = workspace;
    }

    /** The {@code models} command group. */
    Command command() {
        return Command.group(
                "models",
                "base models to fine-tune",
                List.of(Command.leaf("import", "SOURCE [--as ID] [--replace] [--parallel N]", """
                        import a base model, verified, validated and registered for fine-tuning; SOURCE is
                        hf:<repo_id>[@<revision>] (the Hugging Face Hub; HF_TOKEN, HF_ENDPOINT) or dir:<path>""", arguments -> {
                    ImportArguments parsed = ImportArguments.of(arguments);
                    return workspace.run(target -> importModel(parsed, target));
                })));
    }

    /** The parsed command line of {@code models import}. */
    record ImportArguments(ImportRequest request, int parallelDownloads) {

        /** @throws Command.UsageException naming the argument that is wrong */
        static ImportArguments of(Command.Arguments arguments) {
            int parallel = arguments.intOption("--parallel").orElse(HubSettings.DEFAULT_PARALLEL_DOWNLOADS);
            if (parallel < 1 || parallel > 64) {
                throw new Command.UsageException("--parallel must be 1 to 64, got " + arguments.required("--parallel"));
            }
            try {
                return new ImportArguments(
                        new ImportRequest(
                                ImportSource.parse(arguments.positional().getFirst()),
                                arguments.option("--as"),
                                arguments.has("--replace")),
                        parallel);
            } catch (ModelImportException e) {
                throw new Command.UsageException(e.getMessage());
            }
        }
    }

    private int importModel(ImportArguments parsed, Target target) throws InterruptedException {
        quietLogs();
        HubSettings hub = HubSettings.fromEnvironment(environment).withParallelDownloads(parsed.parallelDownloads());
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(target.jdbcUrl());
        // The CLI may be the first to touch this database; the apps migrate the same way at start-up.
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        ModelImporter importer = new ModelImporter(dataSource, target.artifactsDir(), hub);
        if (parsed.request().source() instanceof ImportSource.Hub) {
            out.println("Hub: " + hub.endpoint() + (hub.token().isPresent() ? " (with HF_TOKEN)" : ""));
        }
        Progress progress = new Progress(new ProgressBar(out, interactive));
        try {
            ImportedModel model = importer.importModel(parsed.request(), progress);
            progress.finish();
            print(model);
            return 0;
        } catch (ModelImportException e) {
            progress.finish();
            err.println("safetune models import: " + e.code().code() + (e.field() == null ? "" : " (" + e.field() + ")")
                    + ": " + e.getMessage());
            return 1;
        }
    }

    /**
     * Outside the apps nothing configures logging, and Logback's default would print every INFO line (Flyway's,
     * the importer's) through the progress bar; the command reports progress itself.
     */
    private static void quietLogs() {
        if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.WARN);
        }
        // DJL warns on every CPU-only start that it cannot count GPUs (LocalSetup silences it the same way).
        if (LoggerFactory.getLogger("ai.djl.util.cuda") instanceof ch.qos.logback.classic.Logger cuda) {
            cuda.setLevel(ch.qos.logback.classic.Level.ERROR);
        }
    }

    private void print(ImportedModel model) {
        out.println(
                switch (model.outcome()) {
                    case REGISTERED -> "Imported " + model.id() + ".";
                    case UNCHANGED -> model.id() + " is already imported with this content; nothing changed.";
                    case REPLACED -> "Replaced " + model.id() + " with the new content.";
                });
        out.printf(
                Locale.ROOT,
                "  %s (%s), %,d parameters, context %,d tokens, licence %s%n",
                model.architecture(),
                model.family(),
                model.parameters(),
                model.contextLength(),
                model.licence().orElse("not stated"));
        model.commit().ifPresent(commit -> out.println("  commit  " + commit));
        out.println("  content " + model.contentDigest() + " (" + ProgressBar.bytes(model.totalBytes()) + " in "
                + model.files().size() + " files)");
        out.println("  stored  " + model.storagePath());
        out.println("Fine-tune it with \"model\": \"" + model.id() + "\".");
    }

    /** Stage lines and a byte progress bar, throttled: download threads report many times a second. */
    private static final class Progress implements ImportProgress {
        private static final long REDRAW_NANOS = 200_000_000L;

        private final ProgressBar bar;
        private long started = System.nanoTime();
        private long lastDraw;
        private boolean fetching;

        Progress(ProgressBar bar) {
            this.bar = bar;
        }

        @Override
        public synchronized void stage(ImportStage stage, String detail) {
            if (fetching) {
                bar.finish();
            }
            fetching = stage == ImportStage.FETCHING;
            if (fetching) {
                started = System.nanoTime();
            }
            bar.message(
                    switch (stage) {
                        case RESOLVING -> "Resolving " + detail;
                        case FETCHING -> "Fetching " + detail;
                        case VALIDATING -> "Validating: " + detail;
                        case REGISTERING -> "Registering " + detail;
                    });
        }

        @Override
        public synchronized void bytes(long done, long total) {
            long now = System.nanoTime();
            if (done < total && now - lastDraw < REDRAW_NANOS) {
                return;
            }
            lastDraw = now;
            double seconds = Math.max(1e-3, (now - started) / 1e9);
            bar.transfer(done, total, done / seconds);
        }

        synchronized void finish() {
            bar.finish();
        }
    }
}
