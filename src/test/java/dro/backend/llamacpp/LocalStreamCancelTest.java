package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dro.FinishReason;
import dro.TokenStream;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.testing.TinyGguf;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local stream cancelled from another thread stops llama.cpp's task, whatever output the reading thread holds when
 * the cancel arrives.
 */
class LocalStreamCancelTest {

    @TempDir
    Path tmp;

    /**
     * The model writes "abab..." for ever, one letter per token, under the stop string "abababX": the stream holds
     * back every end of its text that may begin the stop string, so every other output gives no piece ("ababab" is
     * held whole), and a cancel that arrives while the reader waits for an output meets one of these half the time.
     * Such a cancel used to give the slot back without cancelling llama.cpp's task, which went on to its token limit:
     * the next request, queued in llama.cpp behind it on the one slot, waited for it, spinning in the binding's
     * result wait over the abandoned task's results (18 minutes in a run before the fix, when it was stopped by hand).
     */
    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // without the fix it hangs: a guard, no measure
    void aCancelFromAnotherThreadStopsLlamaCppsTaskSoTheSlotTakesTheNextRequestAtOnce() throws Exception {
        Path file = TinyGguf.scripted(tmp.resolve("ab.gguf"), "ab", TinyGguf.CHAT_TEMPLATE, 32768);
        ChatModelRequest endless = ChatModelRequest.builder("Be long.", "Write.").temperature(0).maxNewTokens(30000)
                .stop(List.of("abababX")).build();
        ChatModelRequest shortAnswer = ChatModelRequest.builder("Be short.", "Write.").temperature(0).maxNewTokens(3)
                .stop(List.of()).build();
        try (LlamaCppBackend m = LocalChatModels.load(file, 1, 32768, Duration.ofSeconds(10))) {
            for (int i = 0; i < 12; i++) {
                TokenStream s = m.stream(endless);
                s.next();
                CompletableFuture<FinishReason> reader = CompletableFuture.supplyAsync(() -> {
                    while (s.hasNext()) {
                        s.next();
                    }
                    return s.result().finishReason();
                });
                Thread.sleep(i % 4); // a cancel at different points of the reader's loop
                s.cancel();
                assertEquals(FinishReason.CANCELLED, reader.get(60, TimeUnit.SECONDS), "trial " + i);
                s.close();
                // the one slot is llama.cpp's again only if the cancelled task was stopped: 30,000 tokens otherwise
                ChatModelResponse r = m.chat(shortAnswer);
                assertEquals(3, r.usage().completionTokens(), "trial " + i);
            }
        }
    }
}
