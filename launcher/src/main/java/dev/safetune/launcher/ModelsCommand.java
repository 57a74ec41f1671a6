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
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./safetune models import hf:<repo_id>[@<revision>] | dir:<path> [--as <id>] [--replace] [--parallel N]}:
 * imports a base model into the database and artifacts directory the local platform uses, in this process (no
 * server needed), with a progress bar. {@code HF_TOKEN} and {@code HF_ENDPOINT} are read as huggingface_hub reads
 * them.
 */
final class ModelsCommand {
    static final String USAGE = """
              models import hf:<repo_id>[@<revision>] | dir:<path> [--as <id>] [--replace] [--parallel N]
                                        import a base model from the Hugging Face Hub (HF_TOKEN, HF_ENDPOINT) or a
                                        local directory: verified, validated, registered for fine-tuning
            """;

    /** Where the import writes: the platform's database and artifacts directory. */
    record Target(String jdbcUrl, Path artifactsDir) {}

    private final PrintStream out;
    private final PrintStream err;
    private final boolean interactive;

    ModelsCommand(PrintStream out, PrintStream err, boolean interactive) {
        this.out = out;
        this.err = err;
        this.interactive = interactive;
    }

    /** The parsed command line of {@code models import}. */
    record ImportArguments(ImportRequest request, int parallelDownloads) {

        /**
         * @throws IllegalArgumentException naming the argument that is wrong
         * @throws ModelImportException for a malformed source or model id
         */
        static ImportArguments parse(List<String> args) {
            String source = null;
            String id = null;
            boolean replace = false;
            int parallel = HubSettings.DEFAULT_PARALLEL_DOWNLOADS;
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                switch (arg) {
                    case "--as" -> id = value(args, ++i, arg);
                    case "--replace" -> replace = true;
                    case "--parallel" -> {
                        String value = value(args, ++i, arg);
                        try {
                            parallel = Integer.parseInt(value);
                        } catch (NumberFormatException e) {
                            parallel = 0;
                        }
                        if (parallel < 1 || parallel > 64) {
                            throw new IllegalArgumentException("--parallel must be 1 to 64, got " + value);
                        }
                    }
                    default -> {
                        if (arg.startsWith("--")) {
                            throw new IllegalArgumentException("unknown option " + arg);
                        }
                        if (source != null) {
                            throw new IllegalArgumentException("one source only, got " + source + " and " + arg);
                        }
                        source = arg;
                    }
                }
            }
            if (source == null) {
                throw new IllegalArgumentException("a source is required: hf:<repo_id>[@<revision>] or dir:<path>");
            }
            return new ImportArguments(
                    new ImportRequest(ImportSource.parse(source), Optional.ofNullable(id), replace), parallel);
        }

        private static String value(List<String> args, int index, String option) {
            if (index >= args.size()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args.get(index);
        }
    }

    /** Runs {@code models <subcommand> ...}; returns the exit code. */
    int run(List<String> args, Map<String, String> environment, Target target) throws InterruptedException {
        if (args.isEmpty() || !args.getFirst().equals("import")) {
            err.print("usage: safetune\n" + USAGE);
            return 2;
        }
        ImportArguments parsed;
        try {
            parsed = ImportArguments.parse(args.subList(1, args.size()));
        } catch (IllegalArgumentException | ModelImportException e) {
            err.println("safetune models import: " + e.getMessage());
            err.print("usage: safetune\n" + USAGE);
            return 2;
        }
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
