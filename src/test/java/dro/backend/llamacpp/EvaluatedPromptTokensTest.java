package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.testing.ChildJvm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluated prompt tokens dro4j reports are the ones llama.cpp evaluates: {@link EvaluatedTokensProbe} runs in
 * a fresh JVM with llama.cpp's own log on, and each count it reports is compared with the count llama.cpp logs for
 * the same request ({@code prompt eval time = ... / N tokens}).
 */
class EvaluatedPromptTokensTest {

    private static final Pattern OURS = Pattern.compile("dro4j-evaluated (-?\\d+) of (\\d+)");
    private static final Pattern NATIVE = Pattern.compile("prompt eval time = +[0-9.]+ ms / +(\\d+) tokens");

    @TempDir
    Path tmp;

    @Test
    void everyCountEqualsWhatLlamaCppEvaluated() throws Exception {
        ChildJvm.Result r = ChildJvm.run(EvaluatedTokensProbe.class, Map.of("DRO4J_NATIVE_LOG", "1"), tmp,
                tmp.toString());
        assertEquals(0, r.code(), r.err());
        List<int[]> ours = all(OURS, r.out(), 2);
        List<int[]> llama = new ArrayList<>();
        int waits = nativeCounts(r.err(), llama);
        assertEquals(2, waits, "each model's last close waits for llama.cpp's task loop once");
        int requests = 2 * EvaluatedTokensProbe.SCRIPT.size();
        assertEquals(requests, ours.size(), r.out());
        assertEquals(requests, llama.size(), "llama.cpp logged a different number of requests");

        int unknown = 0;
        for (int i = 0; i < requests; i++) {
            int evaluated = ours.get(i)[0];
            int prompt = ours.get(i)[1];
            if (evaluated == -1) {
                unknown++; // the prompt continues past the cached prompt: llama.cpp may reuse generated tokens
                assertTrue(llama.get(i)[0] <= prompt, "request " + i);
            } else {
                assertEquals(llama.get(i)[0], evaluated, "request " + i + " (" + prompt + " prompt tokens)");
            }
        }
        assertEquals(1, unknown, "only the base model's continued prompt is not known");
        assertEquals(1, ours.get(1)[0], "an identical prompt re-evaluates only its last token");
        assertTrue(ours.stream().filter(o -> o[0] > 1 && o[0] < o[1]).count() >= 8, "partial reuse is exercised");
    }

    /**
     * Adds llama.cpp's count for each request to {@code out}, leaving out the empty requests with which a closing model
     * waits for llama.cpp's task loop ({@code SharedModels.Model#awaitTaskLoop}): llama.cpp logs their timings too,
     * after "empty prompt - releasing slot". Returns how many of those it saw.
     */
    private static int nativeCounts(String err, List<int[]> out) {
        int waits = 0;
        boolean wait = false;
        for (String line : err.split("\n")) {
            if (line.contains("empty prompt - releasing slot")) {
                wait = true;
                waits++;
            }
            Matcher m = NATIVE.matcher(line);
            if (m.find()) {
                if (!wait) {
                    out.add(new int[] {Integer.parseInt(m.group(1))});
                }
                wait = false;
            }
        }
        return waits;
    }

    private static List<int[]> all(Pattern p, String text, int groups) {
        List<int[]> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            int[] g = new int[groups];
            for (int i = 0; i < groups; i++) {
                g[i] = Integer.parseInt(m.group(i + 1));
            }
            out.add(g);
        }
        return out;
    }
}
