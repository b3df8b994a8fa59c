package dro.testing;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback HTTP server that answers like the Hugging Face hub: {@code GET /{owner}/{repo}/resolve/{rev}/{file}}
 * is a 302 to a CDN-like path ({@code /cdn/...}) with {@code X-Linked-Size} and {@code X-Linked-Etag} (the file's
 * SHA-256, as for LFS files), and the CDN path serves the bytes with Range support (206). Files can require a token,
 * carry a wrong checksum, or have their first transfers cut off mid-body. Every request is recorded.
 *
 * <p>{@link #addRaw} serves a file at a plain path instead, straight with 200 and no hub headers, as a static file
 * server such as GitHub's raw-file host does (for pinned downloads).
 *
 * <p>The CDN path is served under the host name {@code localhost} while the hub itself is addressed as
 * {@code 127.0.0.1}, so that a client's redirect to the CDN goes to another host (as on the real hub).
 */
public final class FakeHub implements AutoCloseable {

    /** One request as the server saw it. */
    public record Request(String method, String path, String range, String authorization) { }

    /** How a file is served. */
    public static final class File {
        final byte[] content;
        String sha256;
        String token;
        int interruptions;
        int interruptAfter;
        boolean ignoreRange;
        boolean chunked;
        boolean lfs = true;
        int busyTimes;
        int busyStatus;
        String busyRetryAfter;

        File(byte[] content) {
            this.content = content;
            this.sha256 = sha256(content);
        }

        /** The hub reports this SHA-256 instead of the real one. */
        public File wrongSha256(String sha) {
            this.sha256 = sha;
            return this;
        }

        /** Without {@code Authorization: Bearer token}, the resolve URL answers 401 (403 for another token). */
        public File gated(String requiredToken) {
            this.token = requiredToken;
            return this;
        }

        /** The first {@code times} transfers stop after {@code afterBytes} bytes (the connection closes). */
        public File interrupt(int times, int afterBytes) {
            this.interruptions = times;
            this.interruptAfter = afterBytes;
            return this;
        }

        /** Sent chunked, without Content-Length (so only the bytes tell the size). */
        public File chunked() {
            this.chunked = true;
            return this;
        }

        /** The CDN ignores Range headers and always sends the whole file with 200. */
        public File ignoreRange() {
            this.ignoreRange = true;
            return this;
        }

        /**
         * The first {@code times} requests to the resolve URL answer {@code status} (429 or 503, say), with
         * {@code Retry-After: retryAfter} unless it is null.
         */
        public File busy(int times, int status, String retryAfter) {
            this.busyTimes = times;
            this.busyStatus = status;
            this.busyRetryAfter = retryAfter;
            return this;
        }

        /** Served like a small git file: 200 straight from the resolve URL, with a git ETag, no X-Linked-*. */
        public File notLfs() {
            this.lfs = false;
            return this;
        }
    }

    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer server;
    private final Map<String, File> files = new ConcurrentHashMap<>();
    private final Map<String, File> rawFiles = new ConcurrentHashMap<>();
    private final List<Request> requests = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger cdnIds = new AtomicInteger();
    private final Map<String, String> cdnPaths = new ConcurrentHashMap<>();

    private FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A server on an ephemeral loopback port. */
    public static FakeHub start() {
        try {
            return new FakeHub();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port>}: the value for {@code HF_ENDPOINT}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves {@code content} as {@code path} of {@code repo} at revision {@code main}. */
    public File add(String repo, String path, byte[] content) {
        return add(repo, "main", path, content);
    }

    public File add(String repo, String revision, String path, byte[] content) {
        File f = new File(content);
        files.put(repo + "@" + revision + "/" + path, f);
        return f;
    }

    /** Serves {@code content} at {@code path} (starting with '/') as a static file server would. */
    public File addRaw(String path, byte[] content) {
        File f = new File(content);
        rawFiles.put(path, f);
        return f;
    }

    /** Every request so far, in order. */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public void clearRequests() {
        requests.clear();
    }

    public static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        Headers h = ex.getRequestHeaders();
        requests.add(new Request(ex.getRequestMethod(), java.net.URLDecoder.decode(path, StandardCharsets.UTF_8),
                h.getFirst("Range"), h.getFirst("Authorization")));
        try (ex) {
            File raw = rawFiles.get(java.net.URLDecoder.decode(path, StandardCharsets.UTF_8));
            if (raw != null) {
                serve(ex, raw);
                return;
            }
            if (path.startsWith("/cdn/")) {
                String key = cdnPaths.get(path);
                if (key == null) {
                    send(ex, 404, "no such CDN object");
                } else {
                    serve(ex, files.get(key));
                }
                return;
            }
            Matcher m = RESOLVE.matcher(java.net.URLDecoder.decode(path, StandardCharsets.UTF_8));
            File f = m.matches() ? files.get(m.group(1) + "@" + m.group(2) + "/" + m.group(3)) : null;
            if (f == null) {
                ex.getResponseHeaders().set("X-Error-Code", "EntryNotFound");
                send(ex, 404, "Entry not found");
                return;
            }
            boolean busy;
            synchronized (f) {
                busy = f.busyTimes > 0;
                if (busy) {
                    f.busyTimes--;
                }
            }
            if (busy) {
                if (f.busyRetryAfter != null) {
                    ex.getResponseHeaders().set("Retry-After", f.busyRetryAfter);
                }
                send(ex, f.busyStatus, "busy");
                return;
            }
            if (f.token != null) {
                String auth = h.getFirst("Authorization");
                if (auth == null) {
                    send(ex, 401, "Access to this model is restricted. You must be authenticated.");
                    return;
                }
                if (!auth.equals("Bearer " + f.token)) {
                    send(ex, 403, "Access to this model is restricted and you are not in the authorized list.");
                    return;
                }
            }
            if (!f.lfs) {
                ex.getResponseHeaders().set("ETag", "\"" + "0123456789abcdef0123456789abcdef01234567" + "\"");
                serve(ex, f);
                return;
            }
            String cdn = "/cdn/" + cdnIds.incrementAndGet() + "/" + m.group(3).replace('/', '_');
            cdnPaths.put(cdn, m.group(1) + "@" + m.group(2) + "/" + m.group(3));
            ex.getResponseHeaders().set("Location", "http://localhost:" + server.getAddress().getPort() + cdn
                    + "?X-Amz-Signature=secret");
            ex.getResponseHeaders().set("X-Linked-Size", String.valueOf(f.content.length));
            ex.getResponseHeaders().set("X-Linked-Etag", "\"" + f.sha256 + "\"");
            ex.getResponseHeaders().set("ETag", "W/\"0123456789abcdef\"");
            ex.getResponseHeaders().set("X-Repo-Commit", "0000000000000000000000000000000000000000");
            ex.sendResponseHeaders(302, -1);
        }
    }

    private void serve(HttpExchange ex, File f) throws IOException {
        int start = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && !f.ignoreRange) {
            Matcher rm = RANGE.matcher(range);
            if (rm.matches()) {
                start = Integer.parseInt(rm.group(1));
                if (start >= f.content.length) {
                    ex.getResponseHeaders().set("Content-Range", "bytes */" + f.content.length);
                    ex.sendResponseHeaders(416, -1);
                    return;
                }
                ex.getResponseHeaders().set("Content-Range",
                        "bytes " + start + "-" + (f.content.length - 1) + "/" + f.content.length);
            }
        }
        int length = f.content.length - start;
        ex.sendResponseHeaders(start > 0 ? 206 : 200, f.chunked ? 0 : length);
        OutputStream out = ex.getResponseBody();
        boolean cut;
        synchronized (f) {
            cut = f.interruptions > 0;
            if (cut) {
                f.interruptions--;
            }
        }
        if (cut) {
            out.write(f.content, start, Math.min(f.interruptAfter, length));
            out.flush();
            return; // closing the exchange now leaves the body short: the connection is dropped
        }
        out.write(f.content, start, length);
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
