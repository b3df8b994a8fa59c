package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.backend.ChatModelResponse;
import dro.compat.ArtifactException;
import dro.eval.EvalSummary;
import dro.hub.HubException;
import dro.prompt.internal.PromptTemplate;
import dro.train.search.BeamSearch;
import dro.train.run.TrainingQueries;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DroException}'s Javadoc is true: every exception class in the jar is one of its family, each with the
 * retriability it documents, and the public API throws the family's members where it used to throw JDK exceptions.
 */
class ErrorFamilyTest {

    /** Throwables in the jar that are not {@link DroException}s, each with the reason it never reaches a caller. */
    static final Map<String, String> NOT_THROWN_AT_CALLERS = Map.of(
            "dro.internal.Parallel$Deferral", "control flow inside dro4j's batching, caught by dro.backend.internal.Batches",
            "dro.serve.ServeError", "a request dro serve answers with an HTTP error: caught by its handler, which writes"
                    + " it to the client in OpenAI's error format",
            "dro.serve.ServeHandler$ClientGone", "a client of dro serve went away: caught by the handler, which ends the"
                    + " exchange");

    /** The family as DroException's Javadoc draws it: class, then its parent. */
    static final Map<String, String> FAMILY = new TreeMap<>(Map.ofEntries(
            Map.entry("dro.InvalidRequestException", "dro.DroException"),
            Map.entry("dro.ContextOverflowException", "dro.InvalidRequestException"),
            Map.entry("dro.compat.ArtifactException", "dro.InvalidRequestException"),
            Map.entry("dro.compat.UnsafePickleException", "dro.compat.ArtifactException"),
            Map.entry("dro.FileAccessException", "dro.DroException"),
            Map.entry("dro.BudgetExceededException", "dro.DroException"),
            Map.entry("dro.ModelLoadException", "dro.DroException"),
            Map.entry("dro.gguf.GgufException", "dro.ModelLoadException"),
            Map.entry("dro.GenerationException", "dro.DroException"),
            Map.entry("dro.ApiException", "dro.DroException"),
            Map.entry("dro.RateLimitException", "dro.ApiException"),
            Map.entry("dro.ServerErrorException", "dro.ApiException"),
            Map.entry("dro.ApiTimeoutException", "dro.ApiException"),
            Map.entry("dro.ApiConnectionException", "dro.ApiException"),
            Map.entry("dro.InvalidResponseException", "dro.ApiException"),
            Map.entry("dro.AuthenticationException", "dro.ApiException"),
            Map.entry("dro.ModelNotFoundException", "dro.ApiException"),
            Map.entry("dro.BadRequestException", "dro.ApiException"),
            Map.entry("dro.backend.RoutingChatModel$AllEndpointsDownException", "dro.DroException"),
            Map.entry("dro.backend.llamacpp.NativeBuildException", "dro.DroException"),
            Map.entry("dro.hub.HubException", "dro.DroException")));

    @TempDir
    Path tmp;

    @Test
    void everyExceptionClassInTheJarIsADroExceptionWhereTheFamilyTreeSaysUnlessItNeverReachesACaller()
            throws Exception {
        Map<String, String> family = new TreeMap<>();
        List<String> outside = new ArrayList<>();
        for (Class<?> c : classesInTheJar()) {
            if (!Throwable.class.isAssignableFrom(c) || c == DroException.class) {
                continue;
            }
            if (DroException.class.isAssignableFrom(c)) {
                family.put(c.getName(), c.getSuperclass().getName());
            } else {
                outside.add(c.getName());
            }
        }
        assertEquals(List.copyOf(new TreeMap<>(NOT_THROWN_AT_CALLERS).keySet()), outside.stream().sorted().toList(),
                "a throwable outside the family");
        assertEquals(FAMILY, family, "the family differs from the tree in DroException's Javadoc: update both");
    }

    /** Where library code may still throw such an exception: it is turned into a DroException before it escapes. */
    static final Map<String, String> CAUGHT_AND_MAPPED = Map.of(
            "src/main/java/dro/backend/openai/OpenAiBatchApi.java", "UncheckedIOException: call() maps it to an"
                    + " ApiException, as the OpenAI client's own I/O failures");

    @Test
    void libraryCodeThrowsNoJdkExceptionForAFailureTheFamilyNames() throws IOException {
        Pattern jdk = Pattern.compile("throw new (java\\.\\w+\\.)?(IllegalArgumentException|UncheckedIOException"
                + "|RuntimeException|NumberFormatException|UnsupportedOperationException)\\b");
        List<String> found = new ArrayList<>();
        try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(p);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = jdk.matcher(lines.get(i));
                    if (m.find() && !CAUGHT_AND_MAPPED.getOrDefault(p.toString(), "").startsWith(m.group(2))) {
                        found.add(p + ":" + (i + 1) + ": " + m.group(2));
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }

    @Test
    void eachExceptionSaysWhetherRetryingCanHelpAsItsJavadocDoes() {
        Map<DroException, Boolean> expected = new LinkedHashMap<>();
        expected.put(new RateLimitException("m", 429, "", Duration.ofSeconds(2), null), true);
        expected.put(new ServerErrorException("m", 503, "", null, null), true);
        expected.put(new ApiTimeoutException("m", -1, "", null, null), true);
        expected.put(new ApiConnectionException("m", -1, "", null, null), true);
        expected.put(new InvalidResponseException("m", 200, "", null, null), true);
        expected.put(new AuthenticationException("m", 401, "", null, null), false);
        expected.put(new ModelNotFoundException("m", 404, "", null, null), false);
        expected.put(new BadRequestException("m", 400, "", null, null), false);
        expected.put(new ApiException("m", 418, "", null, null), false);
        expected.put(new InvalidRequestException("m"), false);
        expected.put(new ContextOverflowException(10, 5, "shorten it"), false);
        expected.put(new ArtifactException("m"), false);
        expected.put(new FileAccessException("m", Path.of("f"), new IOException("disk full")), false);
        expected.put(new BudgetExceededException("m"), false);
        expected.put(new ModelLoadException("m"), false);
        expected.put(new HubException("m", true), true);
        expected.put(new HubException("m", false), false);
        expected.put(new GenerationException("m", null, true), true);
        expected.put(new GenerationException("m", null, false), false);
        expected.forEach((e, retriable) -> assertEquals(retriable, e.isRetriable(), e.getClass().getName()));
        assertEquals(Duration.ofSeconds(2), new RateLimitException("m", 429, "", Duration.ofSeconds(2), null)
                .afterAttempts(3).retryAfter().orElseThrow());
    }

    @Test
    void theSearchRefusesAnImpossibleSettingWithAnInvalidRequestException() {
        assertEquals("maxDepthIncrease must be 0 or more, but was -1",
                assertThrows(InvalidRequestException.class, () -> new BeamSearch(1, 1, -1)).getMessage());
    }

    @Test
    void aTrainingFileThatCannotBeReadIsAFileAccessExceptionNamingItAndAMissingOneABadArgument() throws Exception {
        Path directory = Files.createDirectories(tmp.resolve("queries.json"));
        FileAccessException e = assertThrows(FileAccessException.class, () -> TrainingQueries.fromFile(directory));
        assertEquals(directory, e.file());
        assertTrue(e.getMessage().startsWith("Cannot read training file " + directory.toAbsolutePath() + ": "),
                e.getMessage());
        Path missing = tmp.resolve("missing.json");
        assertEquals("Training file not found: " + missing.toAbsolutePath(),
                assertThrows(InvalidRequestException.class, () -> TrainingQueries.fromFile(missing)).getMessage());
    }

    @Test
    void valuesAndLookupsRefuseBadArgumentsWithInvalidRequestExceptions() {
        assertEquals("2 texts but 1 finish reasons", assertThrows(InvalidRequestException.class,
                () -> new ChatModelResponse(List.of("a", "b"), Usage.NONE, List.of(FinishReason.STOP))).getMessage());
        assertEquals("prompt p needs a value for {{x}}", assertThrows(InvalidRequestException.class,
                () -> PromptTemplate.of("p", "{{x}}").render(Map.of())).getMessage());
        assertEquals("no configuration named base", assertThrows(InvalidRequestException.class,
                () -> new EvalSummary(List.of(), List.of()).configuration("base")).getMessage());
    }

    private static List<Class<?>> classesInTheJar() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(DroException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isRegularFile(root.resolve("dro/DroException.class")), "not the classes directory: " + root);
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                String name = root.relativize(p).toString().replace('\\', '/');
                if (name.equals("module-info.class")) {
                    continue;
                }
                name = name.substring(0, name.length() - ".class".length()).replace('/', '.');
                out.add(Class.forName(name, false, DroException.class.getClassLoader()));
            }
        }
        assertTrue(out.size() > 100, "only " + out.size() + " classes under " + root);
        return out;
    }
}
