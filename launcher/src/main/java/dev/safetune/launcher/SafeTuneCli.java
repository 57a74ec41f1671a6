package dev.safetune.launcher;

import dev.safetune.runtime.generators.BaseModelGenerator;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of {@code ./safetune}. Every command is registered in {@link #root}; {@link Command} dispatches, prints
 * usage on {@code --help} and refuses unknown words, the same way for each.
 */
public final class SafeTuneCli {
    private static final String ENVIRONMENT = """
            Customer commands (files, jobs, audit) call the API at SAFETUNE_BASE_URL or OPENAI_BASE_URL (default
            http://127.0.0.1:8080) with SAFETUNE_API_KEY or OPENAI_API_KEY (default: $SAFETUNE_HOME/local-api-key);
            admin commands call it at SAFETUNE_BASE_URL with SAFETUNE_ADMIN_KEY (default: $SAFETUNE_HOME/local-admin-key).
            Environment: SAFETUNE_HOME (default ./.safetune), SAFETUNE_DB_URL, SAFETUNE_BOOTSTRAP_API_KEY,
            SAFETUNE_BOOTSTRAP_ADMIN_KEY, SAFETUNE_PORT, HF_TOKEN, HF_ENDPOINT. Run any command with --help for its usage.""";

    /** What every command may use: the streams, the environment and the local home directory. */
    record Console(PrintStream out, PrintStream err, boolean interactive, Map<String, String> env, Path home) {
        int port() {
            return Integer.parseInt(env.getOrDefault("SAFETUNE_PORT", "8080"));
        }
    }

    private SafeTuneCli() {}

    public static void main(String[] args) throws Exception {
        Console console =
                new Console(System.out, System.err, System.console() != null, System.getenv(), LocalSetup.home());
        System.exit(run(console, List.of(args)));
    }

    static int run(Console console, List<String> args) throws Exception {
        return root(console).run("", args, console.out(), console.err());
    }

    private static List<String> prepend(String word, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(word));
        all.addAll(rest);
        return all;
    }

    /** The whole command tree: a new top-level command is one more entry here. */
    static Command root(Console c) {
        List<Command> commands = new ArrayList<>();
        commands.add(Command.leaf(
                "demo",
                "",
                "start the platform locally and show emergent misalignment end to end: fine-tune the em-bench base on"
                        + " insecure code and measure it before and after",
                a -> new DemoCommand(c.out(), c.interactive())
                        .run(c.home(), c.port(), importArgs -> run(c, prepend("models", importArgs)))));
        commands.add(Command.leaf(
                "serve",
                "",
                "start the API (port 8080, SAFETUNE_PORT) and one worker; runs until stopped",
                a -> serve(c)));
        commands.add(Command.leaf(
                "create-base-model",
                "[DIR] [--seed N]",
                "write the small random-init base model (default: $SAFETUNE_HOME/models/safetune-tiny)",
                a -> createBaseModel(c, a)));
        commands.add(new ModelsCommand(c.out(), c.err(), c.interactive(), c.env(), action -> {
                    try (LocalDatabase database = LocalDatabase.resolve(c.home())) {
                        return action.run(new ModelsCommand.Target(
                                database.jdbcUrl(), c.home().resolve("artifacts")));
                    }
                })
                .command());
        commands.add(new SampleCommand(c.out()).command());
        commands.add(new ScreenCommand(c.out(), c.err(), c.interactive()).command());
        commands.add(new EmBenchCommand(c.out(), c.interactive())
                .command(
                        c.home(),
                        c.port(),
                        importArgs -> run(c, prepend("models", importArgs)),
                        () -> AdminCli.clients(c.env(), c.home()).safetyClient()));
        commands.addAll(
                new CustomerCli(() -> CustomerCli.clientFromEnvironment(c.env(), c.home()), c.out(), c.interactive())
                        .commands());
        commands.add(new AdminCli(AdminCli.clients(c.env(), c.home()), c.out(), c.err()).command());
        return Command.group(
                "", "fine-tuning as a service with in-training safeguards (README.md)", commands, ENVIRONMENT);
    }

    private static int serve(Console c) throws Exception {
        LocalSetup setup = LocalSetup.start(c.home(), c.port(), false, c.out());
        c.out()
                .println("SafeTune is running: API " + setup.platform().apiBaseUrl() + "/v1, metrics "
                        + setup.platform().apiBaseUrl() + "/actuator/prometheus. Ctrl-C stops it.");
        c.out().println("Keys: " + setup.keyLocations());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                setup.close();
            } catch (Exception e) {
                c.err().println("shutdown: " + e);
            }
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    private static int createBaseModel(Console c, Command.Arguments a) throws Exception {
        Path dir = a.positional(0)
                .map(d -> Path.of(d).toAbsolutePath())
                .orElse(c.home().resolve("models").resolve(LocalSetup.BASE_MODEL));
        long seed = a.intOption("--seed").orElse((int) LocalSetup.BASE_MODEL_SEED);
        BaseModelGenerator.generate(dir, dir.getFileName().toString(), seed);
        c.out().println("Wrote base model to " + dir);
        return 0;
    }
}
