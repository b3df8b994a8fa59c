package dro.backend;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dro.InvalidRequestException;
import dro.testing.Fuzz;

/** An endpoints file ({@code --endpoints}) gives endpoints or an {@link InvalidRequestException}, nothing else. */
class EndpointFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void anyEndpointsFileReadsOrFailsWithAnInvalidRequestException(byte[] data) {
        java.nio.file.Path f = Fuzz.file("endpoints.json", data);
        Fuzz.onlyDeclared(() -> {
            for (Endpoint e : Endpoint.readAll(f)) {
                e.name();
                e.toString();
                e.modelFor("m");
            }
        }, InvalidRequestException.class);
    }
}
