package dro.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dro.Environment;
import dro.InvalidRequestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointTest {

    @TempDir
    Path dir;

    private Path file(String json) throws IOException {
        return Files.writeString(dir.resolve("endpoints.json"), json);
    }

    private String error(String json) throws IOException {
        Path f = file(json);
        return assertThrows(InvalidRequestException.class, () -> Endpoint.readAll(f)).getMessage();
    }

    @Test
    void theIssuesExampleReadsWithDefaultsForWhatIsLeftOut() throws IOException {
        Path f = file("[{\"base_url\": \"http://h1:8000/v1/\", \"api_key_env\": \"KEY1\", \"max_concurrency\": 4,"
                + " \"weight\": 1}, {\"base_url\": \"https://h2/v1\", \"model\": \"mistral-7b\", \"weight\": 0.5}]");
        assertEquals(List.of(new Endpoint("http://h1:8000/v1", "KEY1", 4, 1, null),
                new Endpoint("https://h2/v1", "OPENAI_API_KEY", 4, 0.5, "mistral-7b")), Endpoint.readAll(f));
    }

    @Test
    void badFilesAreRefusedNamingTheFileTheIndexAndTheValue() throws IOException {
        Path f = dir.resolve("endpoints.json");
        assertEquals("The endpoints file " + f + " holds no endpoints: give at least one {\"base_url\": ...}",
                error("[]"));
        assertEquals("The endpoints file " + f + " must hold a JSON array of endpoints such as [{\"base_url\":"
                + " \"http://h1:8000/v1\", \"max_concurrency\": 4}], but holds object", error("{\"base_url\": \"x\"}"));
        assertEquals(f + ": endpoint [1]: unknown key \"base-url\"; the keys are base_url, api_key_env,"
                + " max_concurrency, weight and model",
                error("[{\"base_url\": \"http://a/v1\"}, {\"base-url\": \"http://b/v1\"}]"));
        assertEquals(f + ": endpoint [0]: base_url is missing", error("[{\"max_concurrency\": 2}]"));
        assertEquals(f + ": endpoint [0]: max_concurrency must be between 1 and 256, but was 0",
                error("[{\"base_url\": \"http://a/v1\", \"max_concurrency\": 0}]"));
        assertEquals(f + ": endpoint [0]: max_concurrency must be a whole number, but was 2.5",
                error("[{\"base_url\": \"http://a/v1\", \"max_concurrency\": 2.5}]"));
        assertEquals(f + ": endpoint [0]: weight must be a positive number, but was -1.0",
                error("[{\"base_url\": \"http://a/v1\", \"weight\": -1}]"));
        assertEquals(f + ": endpoint [0]: base_url must be an http or https URL such as http://h1:8000/v1, but was"
                + " \"h1:8000\"", error("[{\"base_url\": \"h1:8000\"}]"));
        assertEquals(f + ": endpoint [1]: base_url http://a/v1 repeats endpoint [0]; raise its max_concurrency"
                + " instead", error("[{\"base_url\": \"http://a/v1\"}, {\"base_url\": \"http://a/v1/\"}]"));
        assertEquals("The endpoints file " + dir.resolve("none.json") + " does not exist",
                assertThrows(InvalidRequestException.class, () -> Endpoint.readAll(dir.resolve("none.json")))
                        .getMessage());
    }

    @Test
    void anUnsetKeyVariableIsNamedWithItsEndpoint() throws IOException {
        Path f = file("[{\"base_url\": \"http://a/v1\", \"api_key_env\": \"KEY1\"},"
                + " {\"base_url\": \"http://b/v1\", \"api_key_env\": \"KEY2\"}]");
        assertEquals(2, Endpoint.readAll(f, Environment.of(Map.of("KEY1", "k", "KEY2", "k"))).size());
        assertEquals(f + ": endpoint [1] (http://b/v1): the environment variable KEY2 (api_key_env) is not set; set it"
                + " to the endpoint's API key (any non-empty value for a server that needs none)",
                assertThrows(InvalidRequestException.class,
                        () -> Endpoint.readAll(f, Environment.of(Map.of("KEY1", "k")))).getMessage());
    }
}
