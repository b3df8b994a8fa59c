package dro.hub;

import dro.InvalidRequestException;
import dro.internal.Digests;
import java.net.URI;
import java.util.Locale;

/**
 * A file at any http(s) URL whose content is known in advance: its SHA-256 and size are pinned, so the download is
 * accepted only if it has exactly those bytes. {@link HubClient#fetch(PinnedFile)} downloads it with the hub's
 * machinery (retries, resumption, offline mode) into a cache keyed by the SHA-256, so the same content is fetched
 * once, from whichever URL.
 *
 * @param name   what messages call the file, e.g. {@code data/mistral-7b-v0.1/output.pkl}
 * @param url    where it is downloaded from
 * @param sha256 its SHA-256, 64 lower-case hex digits
 * @param size   its size in bytes
 */
public record PinnedFile(String name, URI url, String sha256, long size) {


    public PinnedFile {
        if (name == null || name.isBlank()) {
            throw new InvalidRequestException("A pinned file's name must not be empty, but was "
                    + (name == null ? "null" : "\"" + name + "\""));
        }
        if (url == null || url.getScheme() == null || url.getHost() == null
                || !(url.getScheme().equalsIgnoreCase("http") || url.getScheme().equalsIgnoreCase("https"))) {
            throw new InvalidRequestException("The URL of " + name + " must be an http(s) URL, but was " + url);
        }
        sha256 = sha256 == null ? null : sha256.toLowerCase(Locale.ROOT);
        if (sha256 == null || !Digests.isSha256Hex(sha256)) {
            throw new InvalidRequestException("The SHA-256 of " + name + " must be 64 hex digits, but was " + sha256);
        }
        if (size < 0) {
            throw new InvalidRequestException("The size of " + name + " must not be negative, but was " + size);
        }
    }

    /** The file's name without its directories. */
    public String fileName() {
        int slash = name.lastIndexOf('/');
        return slash >= 0 ? name.substring(slash + 1) : name;
    }
}
