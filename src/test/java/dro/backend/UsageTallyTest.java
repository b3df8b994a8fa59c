package dro.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.SerializationFeature;
import dro.Usage;
import dro.internal.Json;
import org.junit.jupiter.api.Test;

class UsageTallyTest {

    @Test
    void countsEachCallAndSumsOnlyTheFiguresAModelReported() {
        UsageTally t = new UsageTally();
        t.add(new Usage(7, 2, 5));
        t.add(new Usage(11, 4, -1));
        t.add(null);
        assertEquals(new UsageTally.Totals(3, 18, 6, 5), t.totals());
        assertEquals(24, t.tokens());
        assertEquals(3, t.calls());
    }

    @Test
    void theTotalsAreWrittenAndReadAsRunFilesAlwaysHadThemInUsageByModel() throws Exception {
        String written = "{\"calls\":12,\"prompt_tokens\":3400,\"completion_tokens\":560,\"evaluated_prompt_tokens\":7}";
        UsageTally.Totals t = new UsageTally.Totals(12, 3400, 560, 7);
        assertEquals(written, Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(t));
        assertEquals(t, Json.MAPPER.readValue(written, UsageTally.Totals.class));
        assertEquals("12 calls, 3400 + 560 tokens", t.describe());
        assertEquals(new UsageTally.Totals(13, 3410, 563, 7), t.plus(new UsageTally.Totals(1, 10, 3, 0)));
    }
}
