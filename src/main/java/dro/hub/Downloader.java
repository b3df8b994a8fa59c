package dro.hub;

import dro.internal.AtomicFiles;
import dro.internal.Digests;
import dro.backend.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One download into the cache: resumable, verified, atomic. Either a hub file (its size and SHA-256 as the hub
 * reports them, the token sent to the hub, events to the hub's listener) or a {@link PinnedFile} (any URL, checked
 * against the size and SHA-256 pinned in advance; no token, no listener events).
 */
final class Downloader {

    private static final Logger log = LoggerFactory.getLogger(Downloader.class);
    private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes \\*/(\\d+)");
    private static final int MAX_REDIRECTS = 10;
    private static final String USER_AGENT = "dro4j/"
            + Optional.ofNullable(Downloader.class.getPackage().getImplementationVersion()).orElse("dev")
            + "; java/" + Runtime.version().feature();

    private final HubClient hub;
    /** The hub file, or null for a pinned file. */
    private final HfFile hfFile;
    /** The pinned file, or null for a hub file. */
    private final PinnedFile pinned;
    /** What messages call the file. */
    private final String file;
    private final Path target;
    private final Path part;

    Downloader(HubClient hub, HfFile file, Path target) {
        this(hub, file, null, target);
    }

    Downloader(HubClient hub, PinnedFile file, Path target) {
        this(hub, null, file, target);
    }

    private Downloader(HubClient hub, HfFile hfFile, PinnedFile pinned, Path target) {
        this.hub = hub;
        this.hfFile = hfFile;
        this.pinned = pinned;
        this.file = hfFile != null ? hfFile.toString() : pinned.name();
        this.target = target;
        this.part = target.resolveSibling(target.getFileName() + ".part");
    }

    private void failed(HubException e) {
        if (hfFile != null) {
            hub.listener.failed(hfFile, e);
        }
    }

    Path run() {
        ReentrantLock jvmLock = LOCKS.computeIfAbsent(target, p -> new ReentrantLock());
        jvmLock.lock();
        try {
            Files.createDirectories(target.getParent());
            Path lockFile = hub.cacheDir.resolve(".locks").resolve(hub.cacheDir.relativize(target) + ".lock");
            Files.createDirectories(lockFile.getParent());
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                if (Files.isRegularFile(target)) {
                    return target; // another process finished it while we waited
                }
                return withRetries();
            }
        } catch (IOException e) {
            HubException ex = new HubException("Cannot write to the model cache " + hub.cacheDir + ": " + e, false, e);
            failed(ex);
            throw ex;
        } finally {
            jvmLock.unlock();
        }
    }

    private Path withRetries() {
        Path p;
        try {
            p = hub.retryPolicy.execute(this::attempt, (attempt, max, e, wait) -> {
                if (hfFile != null && e instanceof HubException he) {
                    hub.listener.retrying(hfFile, attempt, max, he);
                }
            });
        } catch (HubException e) {
            failed(e);
            throw e;
        }
        if (hfFile != null) {
            hub.listener.finished(hfFile, p);
        }
        return p;
    }

    private Path attempt() {
        long have = sizeOf(part);
        URI url = hfFile != null ? hub.resolveUrl(hfFile) : pinned.url();
        Hop hop = send(url, have);
        HttpResponse<InputStream> r = hop.response;
        try (InputStream body = r.body()) {
            int status = r.statusCode();
            long expectedSize = pinned != null ? pinned.size() : hop.linkedSize;
            String sha256 = pinned != null ? pinned.sha256() : hop.sha256;
            long start;
            long total;
            if (status == 200) {
                if (have > 0) {
                    log.info("The server ignored the range request for {}; downloading it from the start", file);
                }
                start = 0;
                total = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            } else if (status == 206) {
                Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
                if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                    Files.deleteIfExists(part);
                    throw new HubException("The server answered the range request for " + file + " with Content-Range \""
                            + r.headers().firstValue("Content-Range").orElse("") + "\" instead of bytes " + have
                            + "-; the partial file was discarded", true);
                }
                start = have;
                total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            } else if (status == 416) {
                Matcher m = UNSATISFIED_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
                long size = expectedSize >= 0 ? expectedSize : m.matches() ? Long.parseLong(m.group(1)) : -1;
                if (size == have) {
                    return verifyAndMove(have, size, sha256, null);
                }
                Files.deleteIfExists(part);
                throw new HubException("The server refused to resume " + file + " after " + have + " bytes (HTTP 416);"
                        + " the partial file was discarded", true);
            } else {
                throw statusError(status, hop.url, r);
            }
            if (expectedSize < 0) {
                expectedSize = total;
            } else if (total >= 0 && total != expectedSize) {
                if (pinned != null) {
                    throw new HubException(file + " failed its SHA-256 check: the server sends " + total + " bytes, but"
                            + " a file of " + expectedSize + " bytes is pinned; nothing was kept", false);
                }
                throw new HubException("The hub says " + file + " has " + expectedSize + " bytes, but the download"
                        + " server sends " + total, true);
            }
            MessageDigest digest = sha256 != null ? Digests.sha256() : null;
            if (digest != null && start > 0) {
                hashExisting(digest, start);
            }
            if (hfFile != null) {
                hub.listener.started(hfFile, expectedSize, start);
            }
            long done = copy(body, start, expectedSize, digest);
            return verifyAndMove(done, expectedSize, sha256, digest);
        } catch (IOException e) {
            throw new HubException("Cannot write " + part + ": " + e, false, e);
        }
    }

    private long copy(InputStream body, long start, long expected, MessageDigest digest) throws IOException {
        long done = start;
        StandardOpenOption mode = start > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
            byte[] buf = new byte[1 << 16];
            while (true) {
                int n;
                try {
                    n = body.read(buf);
                } catch (IOException e) {
                    out.flush();
                    throw interrupted(done, expected, e);
                }
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                if (digest != null) {
                    digest.update(buf, 0, n);
                }
                done += n;
                if (pinned != null && done > expected) {
                    break; // more than the pinned bytes: not the pinned file, and no reason to read on
                }
                if (hfFile != null) {
                    hub.listener.progress(hfFile, done, expected);
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new HubException("Download of " + file + " was cancelled after " + done + " bytes; the"
                            + " partial file " + part + " is kept and will be resumed", false);
                }
            }
        }
        if (expected >= 0 && done < expected) {
            throw interrupted(done, expected, null);
        }
        return done;
    }

    private HubException interrupted(long done, long expected, IOException cause) {
        return new HubException("Download of " + file + " was interrupted after " + done
                + (expected >= 0 ? " of " + expected : "") + " bytes"
                + (cause != null ? " (" + cause.getMessage() + ")" : " (the connection closed early)")
                + "; the partial file " + part + " is kept and will be resumed", true, cause);
    }

    private Path verifyAndMove(long size, long expectedSize, String sha256, MessageDigest digest) throws IOException {
        if (expectedSize >= 0 && size != expectedSize) {
            Files.deleteIfExists(part);
            if (pinned != null && size > expectedSize) {
                throw new HubException(file + " failed its SHA-256 check: it is longer than the " + expectedSize
                        + " bytes pinned; the download was discarded", false);
            }
            throw new HubException("Downloaded " + file + " has " + size + " bytes, but the "
                    + (pinned != null ? "pinned size is " : "hub says ") + expectedSize
                    + "; the download was discarded", true);
        }
        if (sha256 != null) {
            if (digest == null) {
                digest = Digests.sha256();
                hashExisting(digest, size);
            }
            String actual = Digests.hex(digest);
            if (!actual.equals(sha256)) {
                Files.deleteIfExists(part);
                if (pinned != null) { // the source serves other bytes than the pinned ones: trying again cannot help
                    throw new HubException(file + " failed its SHA-256 check: it has SHA-256 " + actual + ", but "
                            + sha256 + " is pinned; the download was discarded", false);
                }
                throw new HubException("Downloaded " + file + " has SHA-256 " + actual + ", but the hub says " + sha256
                        + "; the download was discarded", true);
            }
        } else {
            log.debug("The hub gave no SHA-256 for {}; checked its size only", file);
        }
        AtomicFiles.move(part, target);
        log.info("Downloaded {} to {}", file, target);
        return target;
    }

    private void hashExisting(MessageDigest digest, long bytes) throws IOException {
        try (InputStream in = Files.newInputStream(part)) {
            byte[] buf = new byte[1 << 16];
            long left = bytes;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException(part + " is shorter than " + bytes + " bytes");
                }
                digest.update(buf, 0, n);
                left -= n;
            }
        }
    }

    /** A response at the end of the redirects, with what the hub said on the way. */
    private record Hop(URI url, HttpResponse<InputStream> response, long linkedSize, String sha256) { }

    private Hop send(URI url, long rangeStart) {
        long linkedSize = -1;
        String sha256 = null;
        URI current = url;
        for (int redirects = 0; ; redirects++) {
            HttpRequest.Builder rb = HttpRequest.newBuilder(current).GET()
                    .header("User-Agent", USER_AGENT)
                    .header("Accept-Encoding", "identity");
            if (rangeStart > 0) {
                rb.header("Range", "bytes=" + rangeStart + "-");
            }
            if (hfFile != null && hub.token != null && sameOrigin(current, hub.endpoint)) {
                rb.header("Authorization", "Bearer " + hub.token);
            }
            HttpResponse<InputStream> r;
            try {
                r = hub.http().send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException("Download of " + file + " was interrupted", false, e);
            } catch (InterruptedIOException e) {
                throw new HubException("Timed out connecting to " + origin(current) + " for " + file + ": " + e, true, e);
            } catch (IOException e) {
                throw new HubException("Cannot reach " + origin(current) + " for " + file + ": " + e, true, e);
            }
            if (linkedSize < 0) {
                linkedSize = r.headers().firstValueAsLong("X-Linked-Size").orElse(-1);
            }
            if (sha256 == null) {
                sha256 = sha256Of(r.headers().firstValue("X-Linked-Etag").orElse(null));
            }
            int status = r.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                closeQuietly(r);
                String location = r.headers().firstValue("Location").orElse(null);
                if (location == null) {
                    throw new HubException("HTTP " + status + " from " + origin(current) + " for " + file
                            + " has no Location", true);
                }
                if (redirects >= MAX_REDIRECTS) {
                    throw new HubException("Too many redirects downloading " + file, false);
                }
                current = current.resolve(location);
                continue;
            }
            if (sha256 == null && (status == 200 || status == 206)) {
                sha256 = sha256Of(r.headers().firstValue("ETag").orElse(null));
            }
            return new Hop(current, r, linkedSize, sha256);
        }
    }

    private HubException statusError(int status, URI url, HttpResponse<InputStream> r) {
        String where = "HTTP " + status + " from " + origin(url);
        Duration retryAfter = status == 429 || status == 503
                ? RetryPolicy.parseRetryAfter(r.headers().firstValue("Retry-After").orElse(null),
                        hub.retryPolicy.clock()).orElse(null)
                : null;
        if (pinned != null) {
            if (status == 404) {
                return new HubException(file + " was not found (" + where + " for " + url + ")", false);
            }
            boolean retriable = status == 408 || status == 429 || status >= 500;
            return new HubException("Cannot download " + file + " (" + where + " for " + url + ")", retriable,
                    retryAfter, null);
        }
        String repoUrl = hub.endpoint.toString().replaceAll("/+$", "") + "/" + hfFile.repo();
        if (status == 401 || status == 403) {
            if (hub.token == null) {
                return new HubException(file + " needs authorisation (" + where + "): the repository is gated or"
                        + " private. Set HF_TOKEN to a Hugging Face access token that can read " + hfFile.repo() + ".",
                        false);
            }
            return new HubException(file + " was refused (" + where + ") although HF_TOKEN was sent: check that the"
                    + " token can read " + hfFile.repo() + " (for a gated repository, accept its terms at " + repoUrl
                    + ").", false);
        }
        if (status == 404) {
            return new HubException(file + " was not found (" + where + "): check the repository, the file name and"
                    + " the revision at " + repoUrl + ".", false);
        }
        boolean retriable = status == 408 || status == 429 || status >= 500;
        return new HubException("Cannot download " + file + " (" + where + ")", retriable, retryAfter, null);
    }

    private static String sha256Of(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        e = e.replace("\"", "").toLowerCase(Locale.ROOT);
        return Digests.isSha256Hex(e) ? e : null;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    /** Scheme, host and port only: URLs of signed CDN redirects carry credentials in their query. */
    private static String origin(URI u) {
        return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "");
    }

    private static long sizeOf(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void closeQuietly(HttpResponse<InputStream> r) {
        try {
            r.body().close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
