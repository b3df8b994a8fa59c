package dro.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jetty and Micrometer are optional dependencies: a program (or {@code bin/dro serve}) whose class path lacks them is
 * told which artifacts to add, in the POM's versions, before anything else fails. In child JVMs on the test class path
 * without those jars.
 */
class DroServerOptionalDependenciesTest {

    static final String MESSAGE_TAIL = " on the class path, which dro4j declares optional: add"
            + " org.eclipse.jetty:jetty-server:" + property("jetty.version") + ", io.micrometer:micrometer-core:"
            + property("micrometer.version") + " and io.micrometer:micrometer-registry-prometheus:"
            + property("micrometer.version") + " to serve";

    @TempDir
    Path dir;

    static String property(String name) {
        try {
            Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</")
                    .matcher(Files.readString(Path.of("pom.xml")));
            if (!m.find()) {
                throw new AssertionError("no property " + name + " in pom.xml");
            }
            return m.group(1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theArtifactsNamedAreThePomsVersions() {
        assertEquals("org.eclipse.jetty:jetty-server:" + property("jetty.version"), DroServer.JETTY);
        assertEquals("io.micrometer:micrometer-core:" + property("micrometer.version"), DroServer.MICROMETER);
        assertEquals("io.micrometer:micrometer-registry-prometheus:" + property("micrometer.version"),
                DroServer.PROMETHEUS);
    }

    @Test
    void withoutJettyBuildingAServerNamesTheArtifactsToAdd() throws Exception {
        ChildJvm.Result r = ChildJvm.runWithout(jar -> jar.startsWith("jetty-"), ServeWithoutJettyProbe.class, dir);
        assertEquals(0, r.code(), r.err());
        assertEquals("dro serve needs " + DroServer.JETTY + MESSAGE_TAIL + "\n", r.out());
    }

    @Test
    void withoutMicrometersPrometheusRegistryBuildingAServerNamesTheArtifactsToAdd() throws Exception {
        ChildJvm.Result r = ChildJvm.runWithout(jar -> jar.startsWith("micrometer-registry-prometheus"),
                ServeWithoutJettyProbe.class, dir);
        assertEquals(0, r.code(), r.err());
        assertEquals("dro serve needs " + DroServer.PROMETHEUS + MESSAGE_TAIL + "\n", r.out());
    }

    @Test
    void theCommandLineWithoutJettySaysSoInOneLine() throws Exception {
        ChildJvm.Result r = ChildJvm.runWithout(jar -> jar.startsWith("jetty-"), dro.cli.Main.class, dir, "serve",
                "--model", dir.resolve("absent.gguf").toString());
        assertTrue(r.err().contains("dro serve needs " + DroServer.JETTY + MESSAGE_TAIL), r.err());
        assertEquals(1, r.code(), r.err());
    }
}
