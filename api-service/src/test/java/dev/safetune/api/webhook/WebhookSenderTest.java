package dev.safetune.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One bounded webhook exchange against real local servers. */
class WebhookSenderTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    /** The deadline plus scheduling slack on a loaded machine. */
    private static final long BOUND_MILLIS = TIMEOUT.toMillis() + 700;

    private final WebhookSender sender = new WebhookSender();
    private HttpServer server;

    @AfterEach
    void stop() {
        sender.close();
        if (server != null) {
            server.stop(0);
        }
    }

    /**
     * The URL names a host that resolves nowhere (.invalid, RFC 6761); the POST still arrives, with that name as its
     * Host header, so the connection went to the checked address and the name was not looked up again.
     */
    @Test
    void connectsToTheCheckedAddressKeepingTheHostName() throws Exception {
        AtomicReference<String> host = new AtomicReference<>();
        AtomicReference<String> body = new AtomicReference<>();
        int port = serve(exchange -> {
            host.set(exchange.getRequestHeaders().getFirst("Host"));
            body.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });

        int status = sender.post(
                URI.create("http://hooks.customer.invalid:" + port + "/hooks?x=1"),
                InetAddress.getLoopbackAddress(),
                Map.of("Content-Type", "application/json"),
                "{\"ok\":true}".getBytes(StandardCharsets.UTF_8),
                TIMEOUT);

        assertThat(status).isEqualTo(204);
        assertThat(host.get()).isEqualTo("hooks.customer.invalid:" + port);
        assertThat(body.get()).isEqualTo("{\"ok\":true}");
    }

    /** Headers arrive at once, then the body trickles forever: the attempt still ends at the deadline. */
    @Test
    void aBodyThatTricklesForeverFailsAtTheDeadline() throws Exception {
        int port = serve(exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0);
            trickle(exchange.getResponseBody());
        });

        assertBoundedFailure(port);
    }

    @Test
    void headersThatTrickleForeverFailAtTheDeadline() throws Exception {
        try (ServerSocket raw = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                try (Socket client = raw.accept()) {
                    OutputStream out = client.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
                    trickle(out);
                } catch (IOException ignored) {
                    // The sender hung up, as it should.
                }
            });

            assertBoundedFailure(raw.getLocalPort());
        }
    }

    /** Past 64 KiB the body is not waited for: an endless fast body does not hold the sender either. */
    @Test
    void aLargeBodyIsReadOnlyUpToTheCap() throws Exception {
        int port = serve(exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0);
            byte[] block = new byte[8192];
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 100_000; i++) {
                    out.write(block);
                }
            } catch (IOException ignored) {
                // The sender stopped reading after its cap.
            }
        });

        long start = System.nanoTime();
        int status = post(port);

        assertThat(status).isEqualTo(200);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(BOUND_MILLIS);
    }

    @Test
    void aRefusedConnectionFailsWithoutNamingTheAddress() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        int port = closedPort;

        assertThatThrownBy(() -> post(port))
                .isInstanceOf(WebhookSender.SendException.class)
                .hasMessage("the connection was refused");
    }

    private void assertBoundedFailure(int port) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> post(port))
                .isInstanceOf(WebhookSender.SendException.class)
                .hasMessage("no complete response within " + TIMEOUT.toMillis() + " ms");
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        assertThat(elapsed).isBetween(TIMEOUT.toMillis() - 50, BOUND_MILLIS);
    }

    private int post(int port) throws WebhookSender.SendException {
        return sender.post(
                URI.create("http://127.0.0.1:" + port + "/hooks"),
                InetAddress.getLoopbackAddress(),
                Map.of(),
                "{}".getBytes(StandardCharsets.UTF_8),
                TIMEOUT);
    }

    private int serve(com.sun.net.httpserver.HttpHandler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/hooks", handler);
        server.start();
        return server.getAddress().getPort();
    }

    /** One byte every 100 ms until the peer goes away. */
    static void trickle(OutputStream out) {
        try {
            while (true) {
                out.write('x');
                out.flush();
                Thread.sleep(100);
            }
        } catch (IOException | InterruptedException ignored) {
            // The peer hung up.
        }
    }
}
