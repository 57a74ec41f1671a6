package dev.safetune.launcher;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback's {@code %app}: which app of the shared JVM wrote a line. The API and the workers run as separate Spring
 * contexts in one JVM, but Logback is configured once, by whichever starts first, so Spring's own
 * {@code %applicationName} names the first app on every line. The label comes instead from the {@code app} MDC entry
 * that {@link Platform} sets while a context starts, else from the logger's package, else the thread's name.
 */
public final class AppLabel extends ClassicConverter {
    static final String MDC_KEY = "app";
    static final String API = "api";
    static final String WORKER = "worker";

    @Override
    public String convert(ILoggingEvent event) {
        String app = event.getMDCPropertyMap().get(MDC_KEY);
        if (app != null) {
            return app;
        }
        String logger = event.getLoggerName();
        if (logger.startsWith("dev.safetune.worker")) {
            return WORKER;
        }
        if (logger.startsWith("dev.safetune.api")) {
            return API;
        }
        return event.getThreadName();
    }
}
