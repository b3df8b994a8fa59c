package dro.train.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dro.FileAccessException;
import dro.InvalidRequestException;
import dro.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The training queries of a DRO run.
 *
 * <p>Three pools, in the original's file formats: general instructions ({@code alpaca_train.json}, field
 * {@code instruction}), curated open questions ({@code lima_subsample_train.json}, field {@code query}) and
 * malicious requests ({@code mal_train.txt}, one per line). {@link #sample} draws {@code n} queries reproducibly.
 */
public final class TrainingQueries {

    /** The three pools, in order: general, curated, malicious. */
    public record Pools(List<String> general, List<String> curated, List<String> malicious) {
        public Pools {
            general = List.copyOf(general);
            curated = List.copyOf(curated);
            malicious = List.copyOf(malicious);
        }

        List<List<String>> all() {
            return List.of(general, curated, malicious);
        }

        public int size() {
            return general.size() + curated.size() + malicious.size();
        }
    }

    private TrainingQueries() { }

    /** Reads the pools from a directory laid out like the original's {@code data/}. */
    public static Pools load(Path dataDir) {
        return new Pools(jsonField(read(dataDir.resolve("alpaca_train.json")), "instruction", dataDir.resolve("alpaca_train.json")),
                jsonField(read(dataDir.resolve("lima_subsample_train.json")), "query",
                        dataDir.resolve("lima_subsample_train.json")),
                lines(read(dataDir.resolve("mal_train.txt"))));
    }

    /** The pools dro4j ships ({@code data/train/}, written by this project). */
    public static Pools bundled() {
        return new Pools(jsonField(resource("alpaca_train.json"), "instruction", Path.of("data/train/alpaca_train.json")),
                jsonField(resource("lima_subsample_train.json"), "query", Path.of("data/train/lima_subsample_train.json")),
                lines(resource("mal_train.txt")));
    }

    /** Exactly the queries of a JSON array of strings, in order. */
    public static List<String> fromFile(Path file) {
        String text = read(file);
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("Queries file " + file.toAbsolutePath() + " is not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
        if (n == null || !n.isArray() || n.isEmpty()) {
            throw new InvalidRequestException("Queries file " + file.toAbsolutePath()
                    + " must hold a non-empty JSON array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual() || n.get(i).asText().isBlank()) {
                throw new InvalidRequestException("Queries file " + file.toAbsolutePath() + ": element " + i
                        + " must be a non-empty string, but is " + n.get(i).getNodeType());
            }
            out.add(n.get(i).asText());
        }
        return out;
    }

    /**
     * Draws {@code n} queries: each pool contributes in proportion to its size (the rounding remainder goes to the
     * pools in turn), each pool's share is a seeded random sample of it, the shares are interleaved so that each kind
     * recurs at regular intervals, and the whole sequence is then shuffled with the same seed.
     *
     * @throws InvalidRequestException if {@code n} is not between 1 and the pools' total size
     */
    public static List<String> sample(Pools pools, int n, long seed) {
        int total = pools.size();
        if (n < 1 || n > total) {
            throw new InvalidRequestException("numTrainingExamples must be between 1 and " + total
                    + " (the queries in the pools), but was " + n);
        }
        List<List<String>> all = pools.all();
        int[] quota = new int[all.size()];
        int assigned = 0;
        for (int i = 0; i < all.size(); i++) {
            quota[i] = (int) ((long) n * all.get(i).size() / total);
            assigned += quota[i];
        }
        for (int i = 0; assigned < n; i = (i + 1) % all.size()) {
            if (quota[i] < all.get(i).size()) {
                quota[i]++;
                assigned++;
            }
        }
        Random rnd = new Random(seed);
        record Placed(double position, int pool, String query) { }
        List<Placed> placed = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            List<String> pool = new ArrayList<>(all.get(i));
            Collections.shuffle(pool, rnd);
            for (int j = 0; j < quota[i]; j++) {
                placed.add(new Placed((j + 0.5) / quota[i], i, pool.get(j)));
            }
        }
        placed.sort(Comparator.comparingDouble(Placed::position).thenComparingInt(Placed::pool));
        List<String> out = new ArrayList<>(placed.stream().map(Placed::query).toList());
        Collections.shuffle(out, rnd);
        return out;
    }

    private static List<String> jsonField(String text, String field, Path source) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("Training file " + source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null || !n.isArray()) {
            throw new InvalidRequestException("Training file " + source + " must hold a JSON array of objects");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode q = n.get(i).get(field);
            if (q == null || !q.isTextual() || q.asText().isBlank()) {
                throw new InvalidRequestException("Training file " + source + ": element " + i + " has no \"" + field
                        + "\" string");
            }
            out.add(q.asText());
        }
        return out;
    }

    private static List<String> lines(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidRequestException("Training file not found: " + file.toAbsolutePath());
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new InvalidRequestException("Training file " + file.toAbsolutePath() + " is not UTF-8 text", e);
        } catch (IOException e) {
            throw new FileAccessException("Cannot read training file " + file.toAbsolutePath() + ": " + e, file, e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = TrainingQueries.class.getResourceAsStream("/dro4j/data/train/" + name)) {
            if (in == null) {
                throw new IllegalStateException("dro4j's training pool " + name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read dro4j's own resource /dro4j/data/train/" + name + ": " + e, e);
        }
    }
}
