package dro.serve;

import dro.FileAccessException;
import dro.InvalidRequestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The API keys a {@link DroServer} accepts as {@code Authorization: Bearer KEY}, each for every served model or for
 * some. Keys are compared in constant time (as SHA-256 digests, with {@link MessageDigest#isEqual}), every key every
 * time, and never logged or shown in messages.
 *
 * <h2>Keys file</h2>
 * One key per line, optionally followed by white space and a comma-separated list of the served model names it may
 * use; blank lines and lines starting with {@code #} are skipped:
 * <pre>
 * # team A may use every model
 * sk-team-a-3c1f...
 * sk-team-b-99d0...  mistral-7b,gpt-4o-mini
 * </pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ApiKeys {

    /** No keys: the server does not ask for any (see {@link DroServer.Builder#noAuth(boolean)}). */
    public static final ApiKeys NONE = new ApiKeys(List.of());

    /** What a request's {@code Authorization} header is worth. */
    enum Verdict { ALLOWED, MISSING, WRONG, FORBIDDEN }

    private record Key(byte[] digest, Set<String> models) { }

    private final List<Key> keys;

    private ApiKeys(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /** Keys that may use every served model. */
    public static ApiKeys of(Collection<String> keys) {
        if (keys == null) {
            throw new InvalidRequestException("keys must not be null");
        }
        List<Key> out = new ArrayList<>();
        int i = 0;
        for (String k : keys) {
            out.add(new Key(digest(checkKey(k, "keys[" + i++ + "]")), Set.of()));
        }
        return new ApiKeys(out);
    }

    /**
     * Keys from a keys file (see the class documentation).
     *
     * @throws FileAccessException     when the file cannot be read
     * @throws InvalidRequestException naming the line (never the key) when a line is malformed or the file holds no key
     */
    public static ApiKeys read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new FileAccessException("Cannot read the API keys file " + file.toAbsolutePath() + ": " + e, file,
                    e);
        }
        List<Key> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length > 2) {
                throw new InvalidRequestException("Line " + (i + 1) + " of the API keys file " + file.toAbsolutePath()
                        + " must be a key, optionally followed by a comma-separated list of models, but has "
                        + parts.length + " words");
            }
            Set<String> models = Set.of();
            if (parts.length == 2) {
                models = Set.copyOf(Arrays.stream(parts[1].split(",")).filter(s -> !s.isBlank()).toList());
            }
            out.add(new Key(digest(checkKey(parts[0], "line " + (i + 1))), models));
        }
        if (out.isEmpty()) {
            throw new InvalidRequestException("The API keys file " + file.toAbsolutePath() + " holds no key");
        }
        return new ApiKeys(out);
    }

    /** Whether any key is required. */
    public boolean isEmpty() {
        return keys.isEmpty();
    }

    /** How many keys there are. */
    public int size() {
        return keys.size();
    }

    /** The verdict on an {@code Authorization} header value (or null) for a request to {@code model} (or null). */
    Verdict check(String authorization, String model) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Verdict.MISSING;
        }
        byte[] given = digest(authorization.substring(7).strip());
        Key match = null;
        for (Key k : keys) {
            if (MessageDigest.isEqual(k.digest(), given) && match == null) {
                match = k;
            }
        }
        if (match == null) {
            return Verdict.WRONG;
        }
        return model == null || match.models().isEmpty() || match.models().contains(model) ? Verdict.ALLOWED
                : Verdict.FORBIDDEN;
    }

    @Override
    public String toString() {
        return "ApiKeys{" + keys.size() + " keys}";
    }

    private static String checkKey(String key, String where) {
        if (key == null || key.isBlank() || key.chars().anyMatch(Character::isWhitespace)) {
            throw new InvalidRequestException("An API key (" + where + ") must be non-empty and hold no white space");
        }
        return key;
    }

    private static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
