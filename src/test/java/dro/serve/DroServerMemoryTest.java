package dro.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.testing.ChildJvm;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After 200 requests from 32 clients, the serving process's resident memory is back within 10% of its warm level.
 * In a child JVM whose heap is fixed and touched at start, so that what grows is what the server keeps.
 */
class DroServerMemoryTest {

    @TempDir
    Path dir;

    @Test
    void residentMemoryAfterTwoHundredRequestsIsWithinTenPercentOfTheWarmLevel() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ServeMemoryProbe.class,
                Map.of("JAVA_TOOL_OPTIONS", "-Xms192m -Xmx192m -XX:+AlwaysPreTouch"), dir);
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("warm_rss_kb=(\\d+) after_rss_kb=(\\d+) ok=(\\d+) refused=(\\d+) other=(\\d+)")
                .matcher(r.out());
        assertTrue(m.find(), r.out() + r.err());
        long warm = Long.parseLong(m.group(1));
        long after = Long.parseLong(m.group(2));
        assertEquals(200, Integer.parseInt(m.group(3)) + Integer.parseInt(m.group(4)), r.out());
        assertEquals(0, Integer.parseInt(m.group(5)), r.out());
        assertTrue(after <= warm * 1.10, "resident memory grew from " + warm + " kB to " + after + " kB");
    }
}
