package dev.safetune.worker.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A local stand-in for the Hugging Face Hub, speaking the parts of its API an import uses, as huggingface_hub sees
 * them: {@code GET /api/models/{repo}/revision/{rev}?blobs=true} (commit {@code sha}, {@code siblings} with
 * {@code size}, {@code blobId}, {@code lfs.sha256}), {@code GET /{repo}/resolve/{rev}/{file}} answering 200 with
 * {@code ETag} = git blob SHA-1 for plain files and 302 to a second server (the "CDN", another port, so another
 * origin) with {@code X-Linked-Etag}/{@code X-Linked-Size} for LFS files, {@code Range} requests on both, and errors
 * with {@code X-Error-Code} (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo).
 *
 * <p>Faults on demand: cut the connection once part-way through a file, serve corrupted bytes. Every request is
 * logged so tests can assert what was asked and sent.
 */
public final class FakeHub implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern API = Pattern.compile("/api/models/([^/]+/[^/]+)/revision/([^/?]+)");
    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    /** One request as the servers saw it. */
    public record Request(String server, String path, String range, boolean authorized, long bytesSent) {}

    /** A repository: its files at one commit, reachable by the commit and by branch {@code main}. */
    public static final class Repo {
        public final String id;
        public final String commit;
        public final Map<String, byte[]> files = new LinkedHashMap<>();
        public final Map<String, String> refs = new ConcurrentHashMap<>();
        public volatile String licence;
        public volatile String gatedToken;

        Repo(String id, String commit) {
            this.id = id;
            this.commit = commit;
            refs.put("main", commit);
            refs.put(commit, commit);
        }

        /** LFS as the Hub configures it by default: safetensors and tokenizer.json (they are large). */
        static boolean isLfs(String name) {
            return name.endsWith(".safetensors") || name.equals("tokenizer.json");
        }
    }

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    /** sha256 → byte offset at which the next CDN response for it is cut (once). */
    private final Map<String, Long> cuts = new ConcurrentHashMap<>();
    /** sha256 → byte offset at which the next CDN response for it stops sending (once) without closing. */
    private final Map<String, Long> stalls = new ConcurrentHashMap<>();
    /** sha256 of blobs whose next CDN request is refused with 403, as an expired signed URL is. */
    private final java.util.Set<String> refusals = ConcurrentHashMap.newKeySet();
    /** sha256 → bytes the CDN serves instead of the real ones. */
    private final Map<String, byte[]> corrupted = new ConcurrentHashMap<>();
    /** HTTP statuses the Hub answers the next requests with, before answering normally. */
    private final java.util.Queue<Integer> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Whether the CDN ignores Range headers (answers 200 with the whole file), as some proxies do. */
    public volatile boolean ignoreRanges;

    public FakeHub() throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        hub = HttpServer.create(loopback, 0);
        cdn = HttpServer.create(loopback, 0);
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.setExecutor(threads);
        cdn.setExecutor(threads);
        hub.start();
        cdn.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    /** Publishes every top-level file of {@code dir} plus {@code extra} files as repository {@code id}. */
    public Repo publish(String id, Path dir, Map<String, byte[]> extra) throws IOException {
        Repo repo = new Repo(id, HexFormat.of().formatHex(sha("SHA-1", (id + System.nanoTime()).getBytes())));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                if (Files.isRegularFile(file)) {
                    repo.files.put(file.getFileName().toString(), Files.readAllBytes(file));
                }
            }
        }
        repo.files.putAll(extra);
        for (Map.Entry<String, byte[]> file : repo.files.entrySet()) {
            if (Repo.isLfs(file.getKey())) {
                blobs.put(sha256(file.getValue()), file.getValue());
            }
        }
        repos.put(id, repo);
        return repo;
    }

    /** The next CDN download of {@code content} stops after {@code afterBytes} bytes, dropping the connection. */
    public void cutOnce(byte[] content, long afterBytes) {
        cuts.put(sha256(content), afterBytes);
    }

    /**
     * The next CDN download of {@code content} sends {@code afterBytes} bytes and then nothing more, holding the
     * connection open for a while (a stalled transfer).
     */
    public void stallOnce(byte[] content, long afterBytes) {
        stalls.put(sha256(content), afterBytes);
    }

    /** The next CDN request for {@code content} is refused with 403 (an expired signed URL). */
    public void refuseOnce(byte[] content) {
        refusals.add(sha256(content));
    }

    /** The CDN serves {@code content} with its last byte changed (same size, other hash). */
    public void corrupt(byte[] content) {
        byte[] bad = content.clone();
        bad[bad.length - 1] ^= 0x5A;
        corrupted.put(sha256(content), bad);
    }

    /** The next {@code count} Hub requests are answered with {@code status} (e.g. 503) before normal service. */
    public void failNext(int count, int status) {
        for (int i = 0; i < count; i++) {
            failures.add(status);
        }
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> requests(String server) {
        return requests.stream().filter(r -> r.server().equals(server)).toList();
    }

    public void clearRequests() {
        requests.clear();
    }

    public static String sha256(byte[] content) {
        return HexFormat.of().formatHex(sha("SHA-256", content));
    }

    public static String gitBlobSha1(byte[] content) {
        byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[header.length + content.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(content, 0, all, header.length, content.length);
        return HexFormat.of().formatHex(sha("SHA-1", all));
    }

    private static byte[] sha(String algorithm, byte[] content) {
        try {
            return MessageDigest.getInstance(algorithm).digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ the Hub

    private void hub(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            boolean authorized = exchange.getRequestHeaders().containsKey("Authorization");
            String range = exchange.getRequestHeaders().getFirst("Range");
            Matcher api = API.matcher(path);
            Matcher resolve = RESOLVE.matcher(path);
            long sent = 0;
            Integer failure = failures.poll();
            if (failure != null) {
                error(exchange, failure, null, "Service unavailable");
            } else if (api.matches()) {
                revisionInfo(exchange, api.group(1), URLDecoder.decode(api.group(2), StandardCharsets.UTF_8));
            } else if (resolve.matches()) {
                sent = resolve(
                        exchange,
                        resolve.group(1),
                        URLDecoder.decode(resolve.group(2), StandardCharsets.UTF_8),
                        URLDecoder.decode(resolve.group(3), StandardCharsets.UTF_8),
                        range);
            } else {
                error(exchange, 404, null, "Not found");
            }
            requests.add(new Request("hub", path, range, authorized, sent));
        }
    }

    private void revisionInfo(HttpExchange exchange, String repoId, String revision) throws IOException {
        Repo repo = repos.get(repoId);
        if (repo == null) {
            error(exchange, 404, "RepoNotFound", "Repository not found");
            return;
        }
        String commit = repo.refs.get(revision);
        if (commit == null) {
            error(exchange, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }
        ObjectNode json = JSON.createObjectNode();
        json.put("_id", "fake" + repo.id.hashCode());
        json.put("id", repo.id);
        json.put("modelId", repo.id);
        json.put("sha", commit);
        json.put("private", false);
        if (repo.gatedToken != null) {
            json.put("gated", "manual");
        } else {
            json.put("gated", false);
        }
        if (repo.licence != null) {
            json.putObject("cardData").put("license", repo.licence);
        }
        ArrayNode siblings = json.putArray("siblings");
        for (Map.Entry<String, byte[]> file : repo.files.entrySet()) {
            ObjectNode sibling = siblings.addObject();
            sibling.put("rfilename", file.getKey());
            sibling.put("size", file.getValue().length);
            if (Repo.isLfs(file.getKey())) {
                // An LFS file's blobId is the git blob of its pointer file, not of its content.
                sibling.put("blobId", gitBlobSha1(pointer(file.getValue())));
                sibling.putObject("lfs")
                        .put("sha256", sha256(file.getValue()))
                        .put("size", file.getValue().length)
                        .put("pointerSize", pointer(file.getValue()).length);
            } else {
                sibling.put("blobId", gitBlobSha1(file.getValue()));
            }
        }
        byte[] body = JSON.writeValueAsBytes(json);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    private long resolve(HttpExchange exchange, String repoId, String revision, String name, String range)
            throws IOException {
        Repo repo = repos.get(repoId);
        if (repo == null) {
            error(exchange, 404, "RepoNotFound", "Repository not found");
            return 0;
        }
        if (repo.gatedToken != null) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization == null) {
                error(exchange, 401, "GatedRepo", "Access to model " + repoId + " is restricted.");
                return 0;
            }
            if (!authorization.equals("Bearer " + repo.gatedToken)) {
                error(exchange, 403, "GatedRepo", "Access to model " + repoId + " is restricted.");
                return 0;
            }
        }
        String commit = repo.refs.get(revision);
        if (commit == null) {
            error(exchange, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return 0;
        }
        byte[] content = repo.files.get(name);
        if (content == null) {
            error(exchange, 404, "EntryNotFound", name + " does not exist on \"" + revision + "\"");
            return 0;
        }
        exchange.getResponseHeaders().set("X-Repo-Commit", commit);
        if (Repo.isLfs(name)) {
            String sha256 = sha256(content);
            exchange.getResponseHeaders().set("X-Linked-Etag", "\"" + sha256 + "\"");
            exchange.getResponseHeaders().set("X-Linked-Size", Long.toString(content.length));
            exchange.getResponseHeaders().set("ETag", "W/\"" + gitBlobSha1(pointer(content)) + "\"");
            exchange.getResponseHeaders()
                    .set(
                            "Location",
                            "http://127.0.0.1:" + cdn.getAddress().getPort() + "/blobs/" + sha256
                                    + "?X-Amz-Signature=fake");
            exchange.sendResponseHeaders(302, -1);
            return 0;
        }
        exchange.getResponseHeaders().set("ETag", "\"" + gitBlobSha1(content) + "\"");
        return send(exchange, content, range, null, false);
    }

    // ------------------------------------------------------------------------------------------------ the CDN

    private void cdn(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            boolean authorized = exchange.getRequestHeaders().containsKey("Authorization");
            String range = exchange.getRequestHeaders().getFirst("Range");
            String sha256 = path.startsWith("/blobs/") ? path.substring("/blobs/".length()) : "";
            byte[] content = blobs.get(sha256);
            long sent = 0;
            if (content == null) {
                error(exchange, 404, null, "NoSuchKey");
            } else if (refusals.remove(sha256)) {
                error(exchange, 403, null, "Request has expired");
            } else {
                Long stall = stalls.remove(sha256);
                sent = send(
                        exchange,
                        corrupted.getOrDefault(sha256, content),
                        ignoreRanges ? null : range,
                        stall != null ? stall : cuts.remove(sha256),
                        stall != null);
            }
            requests.add(new Request("cdn", path, range, authorized, sent));
        }
    }

    /**
     * Sends {@code content} (from the Range start when there is one, as 206); when {@code cutAfter} is set, stops
     * after that many bytes of the file and closes the connection under the announced length, after holding it
     * silent for a while when {@code stall}.
     */
    private static long send(HttpExchange exchange, byte[] content, String range, Long cutAfter, boolean stall)
            throws IOException {
        int from = 0;
        int status = 200;
        if (range != null) {
            Matcher m = RANGE.matcher(range);
            if (!m.matches()) {
                error(exchange, 400, null, "bad range");
                return 0;
            }
            from = Integer.parseInt(m.group(1));
            if (from >= content.length) {
                exchange.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                exchange.sendResponseHeaders(416, -1);
                return 0;
            }
            status = 206;
            exchange.getResponseHeaders()
                    .set("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
        }
        int length = content.length - from;
        exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
        exchange.sendResponseHeaders(status, length == 0 ? -1 : length);
        if (length == 0) {
            return 0;
        }
        OutputStream out = exchange.getResponseBody();
        if (cutAfter != null && cutAfter > from && cutAfter < content.length) {
            int partial = (int) (cutAfter - from);
            out.write(content, from, partial);
            out.flush();
            if (stall) {
                try {
                    Thread.sleep(3_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // Closing the exchange short of the announced Content-Length makes the server drop the connection:
            // the client sees the body end early, as with a network cut.
            exchange.close();
            return partial;
        }
        out.write(content, from, length);
        return length;
    }

    private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        if (code != null) {
            exchange.getResponseHeaders().set("X-Error-Code", code);
        }
        exchange.getResponseHeaders().set("X-Error-Message", message);
        byte[] body = ("{\"error\":\"" + message.replace("\"", "\\\"") + "\"}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    /** The Git LFS pointer file a Hub repository holds in place of an LFS file's content. */
    private static byte[] pointer(byte[] content) {
        return ("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256(content) + "\nsize " + content.length
                        + "\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        threads.shutdownNow();
    }
}
