package dev.safetune.launcher;

import dev.safetune.runtime.generators.BaseModelGenerator;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Entry point of {@code ./safetune}: {@code demo}, {@code serve}, {@code create-base-model}, {@code models},
 * {@code em-bench}.
 */
public final class SafeTuneCli {
    private static final String USAGE = """
            usage: safetune <command>
              demo                      start the platform locally and fine-tune the bundled sample end to end
              serve                     start the API (port 8080, SAFETUNE_PORT) and one worker; runs until stopped
              create-base-model [DIR] [--seed N]
                                        write the small random-init base model (default: $SAFETUNE_HOME/models/safetune-tiny)
            %s
            %s
            customer commands (endpoint and key from SAFETUNE_BASE_URL/OPENAI_BASE_URL, SAFETUNE_API_KEY/OPENAI_API_KEY):
            %s
            environment: SAFETUNE_HOME (default ./.safetune), SAFETUNE_DB_URL, SAFETUNE_BOOTSTRAP_API_KEY, SAFETUNE_PORT,
              HF_TOKEN, HF_ENDPOINT
            """.formatted(
                    ModelsCommand.USAGE.stripTrailing(),
                    EmBenchCommand.USAGE.stripTrailing(),
                    CustomerCli.USAGE.stripTrailing());

    private SafeTuneCli() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.out.print(USAGE);
            System.exit(2);
        }
        int port = Integer.parseInt(System.getenv().getOrDefault("SAFETUNE_PORT", "8080"));
        int code = switch (args[0]) {
            case "demo" -> new DemoCommand(System.out, System.console() != null).run(LocalSetup.home(), port);
            case "serve" -> serve(port);
            case "create-base-model" -> createBaseModel(Arrays.copyOfRange(args, 1, args.length));
            case "models" -> models(Arrays.copyOfRange(args, 1, args.length));
            case "em-bench" ->
                new EmBenchCommand(System.out, System.err, System.console() != null)
                        .run(
                                List.of(Arrays.copyOfRange(args, 1, args.length)),
                                LocalSetup.home(),
                                a -> models(a.toArray(String[]::new)));
            default -> {
                System.err.print(USAGE);
                yield 2;
            }
        };
        System.exit(code);
    }

    private static int customer(String[] args) throws Exception {
        try {
            ApiClient client = CustomerCli.clientFromEnvironment(System.getenv(), LocalSetup.home());
            return new CustomerCli(client, System.out, System.console() != null).run(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("safetune: " + e.getMessage());
            return 2;
        }
    }

    private static int serve(int port) throws Exception {
        LocalSetup setup = LocalSetup.start(LocalSetup.home(), port, false, System.out);
        System.out.println("SafeTune is running: API " + setup.platform().apiBaseUrl() + "/v1, metrics "
                + setup.platform().apiBaseUrl() + "/actuator/prometheus. Ctrl-C stops it.");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                setup.close();
            } catch (Exception e) {
                System.err.println("shutdown: " + e);
            }
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    /** Imports into the database and artifacts directory {@code serve} uses (see {@link LocalSetup}). */
    private static int models(String[] args) throws Exception {
        Path home = LocalSetup.home();
        try (LocalDatabase database = LocalDatabase.resolve(home)) {
            return new ModelsCommand(System.out, System.err, System.console() != null)
                    .run(
                            List.of(args),
                            System.getenv(),
                            new ModelsCommand.Target(database.jdbcUrl(), home.resolve("artifacts")));
        }
    }

    private static int createBaseModel(String[] args) throws Exception {
        Path dir = LocalSetup.home().resolve("models").resolve(LocalSetup.BASE_MODEL);
        long seed = LocalSetup.BASE_MODEL_SEED;
        for (int i = 0; i < args.length; i++) {
            if ("--seed".equals(args[i]) && i + 1 < args.length) {
                seed = Long.parseLong(args[++i]);
            } else {
                dir = Path.of(args[i]).toAbsolutePath();
            }
        }
        BaseModelGenerator.generate(dir, dir.getFileName().toString(), seed);
        System.out.println("Wrote base model to " + dir);
        return 0;
    }
}
