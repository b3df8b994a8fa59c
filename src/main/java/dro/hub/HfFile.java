package dro.hub;

import dro.InvalidRequestException;
import java.util.regex.Pattern;

/**
 * One file in a Hugging Face hub repository: {@code hf://owner/repo/path/to/file.gguf}, optionally at a revision
 * ({@code hf://owner/repo@revision/file.gguf}; default {@code main}).
 *
 * @param repo     {@code owner/name}
 * @param revision a branch, tag or commit
 * @param path     the file's path inside the repository
 */
public record HfFile(String repo, String revision, String path) {

    /** The prefix of hub file names. */
    public static final String SCHEME = "hf://";
    /** The revision used when none is given. */
    public static final String DEFAULT_REVISION = "main";

    private static final Pattern NAME_PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    public HfFile {
        String[] ownerName = repo == null ? new String[0] : repo.split("/", -1);
        if (ownerName.length != 2 || !NAME_PART.matcher(ownerName[0]).matches()
                || !NAME_PART.matcher(ownerName[1]).matches()) {
            throw new InvalidRequestException("Hub repository must be owner/name, but was "
                    + (repo == null ? "null" : "\"" + repo + "\""));
        }
        if (revision == null || !REVISION.matcher(revision).matches()) {
            throw new InvalidRequestException("Hub revision must be a branch, tag or commit name, but was "
                    + (revision == null ? "null" : "\"" + revision + "\""));
        }
        if (path == null || path.isEmpty() || path.startsWith("/") || path.endsWith("/")) {
            throw new InvalidRequestException("Hub file path must be a relative file name, but was "
                    + (path == null ? "null" : "\"" + path + "\""));
        }
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.contains("\\")
                    || part.chars().anyMatch(c -> c < 0x20)) {
                throw new InvalidRequestException("Hub file path must not contain empty, '.', '..' or backslash parts,"
                        + " but was \"" + path + "\"");
            }
        }
    }

    /** A file at the default revision. */
    public static HfFile of(String repo, String path) {
        return new HfFile(repo, DEFAULT_REVISION, path);
    }

    /** Whether {@code name} is an {@code hf://} name. */
    public static boolean isHfName(String name) {
        return name != null && name.strip().regionMatches(true, 0, SCHEME, 0, SCHEME.length());
    }

    /**
     * Parses {@code hf://owner/repo[@revision]/path/file.gguf}.
     *
     * @throws InvalidRequestException naming the value when it is not of that shape or not a {@code .gguf} file
     */
    public static HfFile parse(String name) {
        if (!isHfName(name)) {
            throw new InvalidRequestException("Not an hf:// name: " + (name == null ? "null" : "\"" + name + "\""));
        }
        String s = name.strip().substring(SCHEME.length());
        String[] parts = s.split("/", 3);
        if (parts.length < 3 || parts[2].isEmpty()) {
            throw new InvalidRequestException("An hf:// name must be hf://owner/repo/file.gguf, but was \"" + name + "\"");
        }
        String repoName = parts[1];
        String revision = DEFAULT_REVISION;
        int at = repoName.indexOf('@');
        if (at >= 0) {
            revision = repoName.substring(at + 1);
            repoName = repoName.substring(0, at);
        }
        if (!parts[2].toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
            throw new InvalidRequestException("An hf:// name must name a .gguf file, but was \"" + name + "\"");
        }
        return new HfFile(parts[0] + "/" + repoName, revision, parts[2]);
    }

    /** The file's name without its directories. */
    public String fileName() {
        int slash = path.lastIndexOf('/');
        return slash >= 0 ? path.substring(slash + 1) : path;
    }

    /** {@code hf://owner/repo/path}, with {@code @revision} when it is not {@code main}. */
    @Override
    public String toString() {
        return SCHEME + repo + (revision.equals(DEFAULT_REVISION) ? "" : "@" + revision) + "/" + path;
    }
}
