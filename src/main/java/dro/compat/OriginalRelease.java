package dro.compat;

import dro.compat.internal.ArtifactFiles;
import com.fasterxml.jackson.databind.JsonNode;
import dro.InvalidRequestException;
import dro.hub.CatalogEntry;
import dro.hub.ModelCatalog;
import dro.internal.Digests;
import dro.internal.Json;
import dro.internal.ModelNames;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The optimised prompts the original DRO released, as dro4j pins them: the repository, the commit, the license, and
 * for each run (a directory {@code data/<run>/} of the repository) the models it serves and its files with their
 * sizes and SHA-256. {@link #shipped()} is the manifest dro4j ships ({@code /dro4j/original-release.json}, written by
 * this project from the repository at the pinned commit); {@link #read(Path)} reads another one of the same shape (a
 * mirror of other content, or a test's).
 *
 * <p>The original's {@code data/model_mapping.json} maps {@code meta-llama/Llama-2-7b-hf} to
 * {@code ./data/llama 2-7b/output.pkl}, which does not exist; the shipped manifest files that model under the run
 * {@code llama2-7b}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param repository    {@code owner/name} on GitHub
 * @param repositoryUrl the repository's web address
 * @param commit        the pinned commit
 * @param license       the license of the files (SPDX id)
 * @param baseUrl       where the files are downloaded from by default: files lie under it as in the repository
 * @param mapping       the original's {@code data/model_mapping.json}, which the runs' model lists were taken from
 *                      (pinned for reference; it is not downloaded)
 * @param runs          the runs, by name
 */
public record OriginalRelease(String repository, URI repositoryUrl, String commit, String license, URI baseUrl,
                              PinnedPath mapping, List<Run> runs) {

    /** The classpath resource of the shipped manifest. */
    public static final String SHIPPED_RESOURCE = "/dro4j/original-release.json";
    private static final Pattern RUN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    public OriginalRelease {
        runs = List.copyOf(runs);
    }

    /**
     * One file of the repository, pinned.
     *
     * @param path   its path in the repository, e.g. {@code data/mistral-7b-v0.1/output.pkl}
     * @param sha256 its SHA-256 (64 lower-case hex digits)
     * @param size   its size in bytes
     */
    public record PinnedPath(String path, String sha256, long size) {

        /** The file's name without its directories. */
        public String fileName() {
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    /**
     * One released run: the prompt the original's search found for some models.
     *
     * @param name   the run's directory under {@code data/}, e.g. {@code mistral-7b-v0.1}
     * @param models the models the original maps to it, e.g. {@code mistralai/Mistral-7B-v0.1}
     * @param files  its {@code output.pkl}, {@code output.txt} and {@code output.json}
     */
    public record Run(String name, List<String> models, List<PinnedPath> files) {
        public Run {
            models = List.copyOf(models);
            files = List.copyOf(files);
        }

        /** The run's name and its models: the names that find it. */
        public List<String> names() {
            List<String> all = new ArrayList<>();
            all.add(name);
            all.addAll(models);
            return all;
        }

        /** {@code name (model, model)}. */
        public String describe() {
            return models.isEmpty() ? name : name + " (" + String.join(", ", models) + ")";
        }
    }

    /** The manifest dro4j ships. */
    public static OriginalRelease shipped() {
        try (InputStream in = OriginalRelease.class.getResourceAsStream(SHIPPED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The manifest " + SHIPPED_RESOURCE + " is missing from the classpath");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "classpath:" + SHIPPED_RESOURCE);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read dro4j's own resource " + SHIPPED_RESOURCE + ": " + e, e);
        }
    }

    /**
     * Reads a manifest of the shipped one's shape.
     *
     * @throws ArtifactException naming the file and the bad value when it is not such a manifest
     */
    public static OriginalRelease read(Path file) {
        return parse(ArtifactFiles.text(file, "Release manifest"), file.toAbsolutePath().toString());
    }

    private static OriginalRelease parse(String json, String where) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new ArtifactException("Release manifest " + where + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ArtifactException("Release manifest " + where + " must hold a JSON object");
        }
        List<Run> runs = new ArrayList<>();
        for (JsonNode r : array(root, "runs", where)) {
            String name = text(r, "name", where);
            if (!RUN_NAME.matcher(name).matches()) {
                throw new ArtifactException("Release manifest " + where + ": the run name \"" + name + "\" must be"
                        + " letters, digits, '.', '_' and '-'");
            }
            List<String> models = new ArrayList<>();
            for (JsonNode m : array(r, "models", where)) {
                models.add(m.asText().strip());
            }
            List<PinnedPath> files = new ArrayList<>();
            for (JsonNode f : array(r, "files", where)) {
                PinnedPath p = pinned(f, where);
                if (!p.path().equals("data/" + name + "/" + p.fileName())
                        || !List.of("output.pkl", "output.txt", "output.json").contains(p.fileName())) {
                    throw new ArtifactException("Release manifest " + where + ": the run " + name + " has the file \""
                            + p.path() + "\", but a run's files are data/" + name + "/output.pkl, output.txt or"
                            + " output.json");
                }
                files.add(p);
            }
            if (runs.stream().anyMatch(x -> x.name().equals(name))) {
                throw new ArtifactException("Release manifest " + where + " has the run " + name + " twice");
            }
            runs.add(new Run(name, models, files));
        }
        return new OriginalRelease(text(root, "repository", where), uri(text(root, "repositoryUrl", where), where),
                text(root, "commit", where), text(root, "license", where), uri(text(root, "baseUrl", where), where),
                root.has("mapping") ? pinned(root.get("mapping"), where) : null, runs);
    }

    private static PinnedPath pinned(JsonNode f, String where) {
        String path = text(f, "path", where);
        String sha = text(f, "sha256", where);
        if (!Digests.isSha256Hex(sha)) {
            throw new ArtifactException("Release manifest " + where + ": the SHA-256 of " + path + " must be 64"
                    + " lower-case hex digits, but was \"" + sha + "\"");
        }
        JsonNode size = f.get("size");
        if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
            throw new ArtifactException("Release manifest " + where + ": the size of " + path + " must be a"
                    + " non-negative number, but was " + size);
        }
        return new PinnedPath(path, sha, size.asLong());
    }

    private static Iterable<JsonNode> array(JsonNode n, String field, String where) {
        JsonNode a = n.get(field);
        if (a == null || !a.isArray()) {
            throw new ArtifactException("Release manifest " + where + ": \"" + field + "\" must be a list");
        }
        return a;
    }

    private static String text(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new ArtifactException("Release manifest " + where + ": \"" + field + "\" must be a non-empty string");
        }
        return v.asText();
    }

    private static URI uri(String s, String where) {
        URI u;
        try {
            u = URI.create(s);
        } catch (IllegalArgumentException e) {
            u = null;
        }
        if (u == null || u.getScheme() == null || u.getHost() == null) {
            throw new ArtifactException("Release manifest " + where + ": \"" + s + "\" is not an http(s) URL");
        }
        return u;
    }

    /** The run of this name. */
    public Optional<Run> run(String name) {
        return runs.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    /** The run serving a model: by the run's name or a model name (ignoring case, then loosely), else by the
     * exact names of the model's catalogue entry ({@code mistral-7b} finds {@code mistral-7b-v0.1}). */
    public Optional<Run> runFor(String model, ModelCatalog catalog) {
        if (model == null || model.isBlank()) {
            return Optional.empty();
        }
        List<String> names = new ArrayList<>();
        names.add(model.strip());
        catalog.find(model).map(CatalogEntry::exactNames).ifPresent(names::addAll);
        for (String n : names) {
            for (Run r : runs) {
                if (r.names().stream().anyMatch(x -> ModelNames.sameName(x, n))) {
                    return Optional.of(r);
                }
            }
        }
        for (String n : names) {
            String key = ModelNames.key(n);
            if (key.isEmpty()) {
                continue;
            }
            for (Run r : runs) {
                if (r.names().stream().anyMatch(x -> ModelNames.key(x).equals(key))) {
                    return Optional.of(r);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The runs serving these models, each once, in the order asked.
     *
     * @throws InvalidRequestException naming a model no run serves, and listing the runs
     */
    public List<Run> runsFor(List<String> models, ModelCatalog catalog) {
        List<Run> out = new ArrayList<>();
        for (String m : models) {
            Run r = runFor(m, catalog).orElseThrow(() -> new InvalidRequestException("The original released no"
                    + " optimised prompt for \"" + m + "\"; it released: " + String.join("; ",
                    runs.stream().map(Run::describe).toList())));
            if (!out.contains(r)) {
                out.add(r);
            }
        }
        return List.copyOf(out);
    }

    /** {@code Singla17/DRPO (https://github.com/Singla17/DRPO) at commit c47e290..., Apache-2.0}. */
    public String attribution() {
        return repository + " (" + repositoryUrl + ") at commit " + commit + ", " + license;
    }
}
