package dev.safetune.api.webhook;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One webhook POST over HTTP/1.1, bounded as a whole: connecting, the TLS handshake, sending, the response headers
 * and the body must all finish within one deadline, or the socket is closed and the attempt fails. The JDK's
 * {@code HttpClient} cannot do this: its request timeout stops counting once headers arrive, so an endpoint that
 * trickles its body holds a sender forever; and it resolves the host itself, so the address {@link DestinationPolicy}
 * checked is not necessarily the one it connects to.
 *
 * <p>Here the connection goes to the checked address, while the {@code Host} header, TLS SNI and certificate check
 * use the URL's host name. The response body is read (so a well-behaved endpoint finishes cleanly) but at most
 * {@value #MAX_BODY_BYTES} bytes of it, and discarded; headers may take at most {@value #MAX_HEADER_BYTES} bytes.
 */
final class WebhookSender implements AutoCloseable {
    static final int MAX_BODY_BYTES = 64 * 1024;
    static final int MAX_HEADER_BYTES = 16 * 1024;

    /** Closes the socket of an exchange that is past its deadline, whatever it is blocked in. */
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "webhook-deadline");
        thread.setDaemon(true);
        return thread;
    });

    /** A failed exchange, with a message fit for the tenant (it names no address). */
    static final class SendException extends IOException {
        SendException(String message) {
            super(message);
        }
    }

    /** Sends {@code body} to {@code url} at {@code address}; returns the response status. */
    int post(URI url, InetAddress address, Map<String, String> headers, byte[] body, Duration timeout)
            throws SendException {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean https = "https".equalsIgnoreCase(url.getScheme());
        int port = url.getPort() != -1 ? url.getPort() : https ? 443 : 80;
        Socket socket = new Socket();
        ScheduledFuture<?> alarm =
                watchdog.schedule(() -> closeQuietly(socket), timeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            socket.connect(new InetSocketAddress(address, port), remainingMillis(deadline));
            Socket channel = https ? tls(socket, url.getHost(), port, deadline) : socket;
            channel.setSoTimeout(remainingMillis(deadline));
            OutputStream out = channel.getOutputStream();
            out.write(requestHead(url, port, https, headers, body.length));
            out.write(body);
            out.flush();
            return readResponse(new BufferedInputStream(channel.getInputStream()), channel, deadline);
        } catch (SendException e) {
            throw e;
        } catch (IOException e) {
            if (System.nanoTime() - deadline >= 0 || e instanceof SocketTimeoutException) {
                throw new SendException("no complete response within " + timeout.toMillis() + " ms");
            }
            throw new SendException(describe(e));
        } finally {
            alarm.cancel(false);
            closeQuietly(socket);
        }
    }

    private static Socket tls(Socket socket, String host, int port, long deadline) throws IOException {
        SSLSocket ssl;
        try {
            ssl = (SSLSocket) SSLContext.getDefault().getSocketFactory().createSocket(socket, host, port, true);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("TLS is required of every JVM", e);
        }
        SSLParameters parameters = ssl.getSSLParameters();
        // The certificate must name the URL's host, as if we had connected by name.
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!isAddressLiteral(host)) {
            parameters.setServerNames(List.of(new SNIHostName(host)));
        }
        ssl.setSSLParameters(parameters);
        ssl.setSoTimeout(remainingMillis(deadline));
        ssl.startHandshake();
        return ssl;
    }

    private static byte[] requestHead(URI url, int port, boolean https, Map<String, String> headers, int length) {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        String target = url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
        boolean defaultPort = port == (https ? 443 : 80);
        StringBuilder head = new StringBuilder()
                .append("POST ")
                .append(target)
                .append(" HTTP/1.1\r\nHost: ")
                .append(url.getHost())
                .append(defaultPort ? "" : ":" + port)
                .append("\r\nContent-Length: ")
                .append(length)
                .append("\r\nConnection: close\r\n");
        headers.forEach(
                (name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        return head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads the status and headers, skipping interim 1xx responses, then drains at most the body cap. */
    private static int readResponse(InputStream in, Socket socket, long deadline) throws IOException {
        int[] budget = {MAX_HEADER_BYTES};
        while (true) {
            String statusLine = line(in, socket, deadline, budget);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new SendException("the answer is not an HTTP/1.x response");
            }
            int status;
            try {
                status = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new SendException("the answer has no valid status code");
            }
            long contentLength = -1;
            boolean chunked = false;
            for (String header = line(in, socket, deadline, budget);
                    !header.isEmpty();
                    header = line(in, socket, deadline, budget)) {
                int colon = header.indexOf(':');
                String name =
                        colon < 0 ? header : header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = colon < 0 ? "" : header.substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    try {
                        contentLength = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new SendException("the answer has an invalid Content-Length");
                    }
                } else if (name.equals("transfer-encoding")) {
                    chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                }
            }
            if (status >= 100 && status < 200) {
                continue;
            }
            if (status != 204 && status != 304) {
                drainBody(in, socket, deadline, chunked, contentLength);
            }
            return status;
        }
    }

    /**
     * Reads the body to its end (Content-Length, last chunk, or the connection closing, as we asked), or until
     * {@value #MAX_BODY_BYTES} bytes have come: past that the rest is not waited for.
     */
    private static void drainBody(InputStream in, Socket socket, long deadline, boolean chunked, long contentLength)
            throws IOException {
        long limit = chunked
                ? MAX_BODY_BYTES
                : contentLength >= 0 ? Math.min(contentLength, MAX_BODY_BYTES) : MAX_BODY_BYTES;
        if (!chunked) {
            skip(in, socket, deadline, limit, contentLength < 0);
            return;
        }
        long read = 0;
        int[] budget = {MAX_HEADER_BYTES};
        while (read < limit) {
            String sizeLine = line(in, socket, deadline, budget);
            int semicolon = sizeLine.indexOf(';');
            long size;
            try {
                size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new SendException("the answer's chunked body is malformed");
            }
            if (size == 0) {
                return; // trailers are not waited for: the body is complete
            }
            long take = Math.min(size, limit - read);
            skip(in, socket, deadline, take, false);
            read += take;
            if (take < size) {
                return;
            }
            line(in, socket, deadline, budget);
        }
    }

    /** Skips {@code count} bytes, or up to the end of the stream when {@code untilEof}. */
    private static void skip(InputStream in, Socket socket, long deadline, long count, boolean untilEof)
            throws IOException {
        byte[] buffer = new byte[8192];
        long left = count;
        while (left > 0) {
            socket.setSoTimeout(remainingMillis(deadline));
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                if (untilEof) {
                    return;
                }
                throw new SendException("the connection closed before the response was complete");
            }
            left -= n;
        }
    }

    /** One CRLF-terminated line, counted against the header budget. */
    private static String line(InputStream in, Socket socket, long deadline, int[] budget) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            socket.setSoTimeout(remainingMillis(deadline));
            int b = in.read();
            if (b < 0) {
                throw new SendException("the connection closed before the response was complete");
            }
            if (--budget[0] < 0) {
                throw new SendException("the response headers are longer than " + MAX_HEADER_BYTES + " bytes");
            }
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
    }

    /** At least 1 ms: a socket timeout of 0 would mean "wait forever". */
    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    private static boolean isAddressLiteral(String host) {
        return host.startsWith("[") || host.chars().allMatch(c -> Character.isDigit(c) || c == '.');
    }

    /** The failure in general terms: socket messages may carry addresses, which tenants must not learn. */
    private static String describe(IOException e) {
        return switch (e) {
            case java.net.ConnectException c -> "the connection was refused";
            case javax.net.ssl.SSLException s ->
                "the TLS handshake failed (the certificate must be valid for the host)";
            case java.net.NoRouteToHostException n -> "no route to the endpoint";
            default -> "the connection failed (" + e.getClass().getSimpleName() + ")";
        };
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing is all that is left to do.
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
