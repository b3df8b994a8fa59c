package dro.roles.internal;
import dro.roles.CallCache;
import dro.roles.AspectSelection;
import dro.roles.internal.LlmRoles;
import dro.train.run.ScriptedClients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dro.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AspectCacheTest {

    @TempDir
    Path tmp;

    @Test
    void theOriginalsCacheIsUsedAsItIsAndGrowsInItsOwnFormat() throws Exception {
        Path file = Files.copy(SharedData.upstream().resolve("metrics_cache.json"), tmp.resolve("metrics_cache.json"));
        String before = Files.readString(file);
        String cachedQuery = new ObjectMapper().readTree(before).fieldNames().next();
        ScriptedClients c = new ScriptedClients(p -> ScriptedClients.scores(3));
        LlmRoles.LlmMetrics selector = new LlmRoles.LlmMetrics(c.selector, CallCache.none(),
                AspectCache.open(file), 2);

        AspectSelection cached = selector.select(cachedQuery, "L0/T0");
        assertEquals(0, c.selector.calls.get(), "a cached query costs no call");
        assertEquals(List.of("Clarity", "Factuality", "Conciseness", "Compliance", "Sensitivity"), cached.aspects());

        AspectSelection fresh = selector.select("A query the original never saw?", "L1/T0");
        assertEquals(List.of("Helpfulness", "Clarity"), fresh.aspects());
        assertEquals(1, c.selector.calls.get());
        String after = Files.readString(file);
        assertEquals(56, new ObjectMapper().readTree(after).size());
        assertTrue(after.startsWith(before.substring(0, before.lastIndexOf('}')).stripTrailing()),
                "the original's entries are kept byte for byte, in its formatting");

        assertEquals(fresh.aspects(), AspectCache.open(file).get("A query the original never saw?").orElseThrow()
                .aspects(), "and a new process reads the addition back");
    }
}
