package dev.safetune.api.webhook;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A customer's webhook endpoint: a real HTTP server on 127.0.0.1 that records what it receives and answers with the
 * statuses it was told to (then 200).
 */
final class WebhookReceiver implements AutoCloseable {
    record Received(String eventId, String signature, String contentType, String body) {}

    private final HttpServer server;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final Deque<Integer> answers = new ArrayDeque<>();

    WebhookReceiver(Integer... answers) {
        this.answers.addAll(java.util.List.of(answers));
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/hooks", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(
                    exchange.getRequestHeaders().getFirst("SafeTune-Event-Id"),
                    exchange.getRequestHeaders().getFirst("SafeTune-Signature"),
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    body));
            int status;
            synchronized (this.answers) {
                status = this.answers.isEmpty() ? 200 : this.answers.poll();
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";
    }

    /** The next delivery received, waiting up to {@code timeout}; null if none came. */
    Received next(Duration timeout) throws InterruptedException {
        return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
