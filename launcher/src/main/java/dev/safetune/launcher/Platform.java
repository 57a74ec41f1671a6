package dev.safetune.launcher;

import dev.safetune.api.ApiServiceApplication;
import dev.safetune.worker.TrainerWorkerApplication;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.MDC;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The API and N workers in one JVM, each its own Spring context on its own port, sharing one database and one
 * artifact directory: the local shape of the production deployment (one api-service, a pool of workers).
 */
public final class Platform implements AutoCloseable {
    private final ConfigurableApplicationContext api;
    private final List<ConfigurableApplicationContext> workers = new ArrayList<>();
    private final Map<String, Object> common;

    private Platform(ConfigurableApplicationContext api, Map<String, Object> common) {
        this.api = api;
        this.common = common;
    }

    /**
     * Starts the API on {@code apiPort} (0 = any free port), then {@code workerCount} workers.
     *
     * @param common properties for every app (datasource, artifact and model directories, ...)
     * @param apiProperties properties for the API only (bootstrap key, ...)
     */
    public static Platform start(
            Map<String, Object> common, Map<String, Object> apiProperties, int apiPort, int workerCount) {
        Map<String, Object> apiProps = new HashMap<>(common);
        apiProps.putAll(apiProperties);
        apiProps.put("server.port", apiPort);
        ConfigurableApplicationContext api;
        // Labels the lines each context logs while it starts (AppLabel): the main thread starts them all in turn.
        MDC.put(AppLabel.MDC_KEY, AppLabel.API);
        try {
            api = ApiServiceApplication.builder().run(arguments(apiProps));
        } finally {
            MDC.remove(AppLabel.MDC_KEY);
        }
        Platform platform = new Platform(api, common);
        try {
            for (int i = 0; i < workerCount; i++) {
                platform.startWorker(Map.of());
            }
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
        return platform;
    }

    /** Starts one more worker (on a free port) with extra properties on top of the common ones. */
    public ConfigurableApplicationContext startWorker(Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(common);
        props.put("server.port", 0);
        props.putAll(extra);
        ConfigurableApplicationContext worker;
        MDC.put(AppLabel.MDC_KEY, AppLabel.WORKER);
        try {
            worker = TrainerWorkerApplication.builder().run(arguments(props));
        } finally {
            MDC.remove(AppLabel.MDC_KEY);
        }
        workers.add(worker);
        return worker;
    }

    /**
     * Settings as {@code --name=value} arguments: unlike builder properties they take precedence over each app's
     * yml, and unlike system properties they stay with the one app in this shared JVM.
     */
    private static String[] arguments(Map<String, Object> properties) {
        return properties.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
    }

    public String apiBaseUrl() {
        return "http://127.0.0.1:" + port(api);
    }

    public List<ConfigurableApplicationContext> workers() {
        return List.copyOf(workers);
    }

    public ConfigurableApplicationContext api() {
        return api;
    }

    public static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    @Override
    public void close() {
        workers.forEach(ConfigurableApplicationContext::close);
        api.close();
    }
}
