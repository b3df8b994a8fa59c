package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.AutoModel;
import dro.FinishReason;
import dro.GenerateOptions;
import dro.InvalidRequestException;
import dro.TokenStream;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.testing.LetterEmbedder;
import dro.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models of the same file and load settings share one loaded llama.cpp model ({@link SharedModels}). Every test
 * copies its model file into its own directory, so that no model left idle by another test is taken over.
 */
class SharedModelsTest {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final GenerateOptions GREEDY = GenerateOptions.builder().temperature(0).numOptimizedIcl(1).build();

    @TempDir
    Path tmp;

    private Path copy(Path model) throws Exception {
        return Files.copy(model, tmp.resolve(model.getFileName()));
    }

    private AutoModel autoModel(Path file) {
        return AutoModel.builder().model(file).threads(2).maxModelLen(12288).embedder(LetterEmbedder.INSTANCE)
                .embeddingCacheDir(tmp.resolve("emb")).build();
    }

    private static LlamaCppBackend load(Path file, int slots) {
        return LocalChatModels.load(file, slots, 1024, TIMEOUT);
    }

    /** A request for an answer of {@code tokens} tokens from the seeded model (it writes {@code x} forever). */
    private static ChatModelRequest longAnswer(int tokens) {
        return ChatModelRequest.builder("Be long.", "Write.").temperature(0).maxNewTokens(tokens).stop(List.of())
                .build();
    }

    @Test
    void twoAutoModelsOfOneFileAndSettingsShareOneLoadedModel() throws Exception {
        Path file = copy(TestModels.scriptedChat());
        int before = SharedModels.loads();
        try (AutoModel a = autoModel(file); AutoModel b = autoModel(file)) {
            assertEquals(before + 1, SharedModels.loads());
            assertEquals("Hi", a.generate("How are you?", GREEDY));
            assertEquals("Hi", b.generate("How are you?", GREEDY));
        }
    }

    @Test
    void backendsOfOneFileAndSettingsHoldTheSameModelAndSlots() throws Exception {
        Path file = copy(TestModels.scriptedChat());
        try (LlamaCppBackend a = load(file, 2); LlamaCppBackend b = load(file, 2)) {
            assertSame(a.sharedModel(), b.sharedModel());
            assertSame(a.sharedModel().scheduler(), b.sharedModel().scheduler());
            assertEquals(2, a.sharedModel().users());
        }
    }

    @Test
    void otherLoadSettingsLoadTheFileAgain() throws Exception {
        Path file = copy(TestModels.scriptedChat());
        int before = SharedModels.loads();
        try (LlamaCppBackend a = load(file, 1); LlamaCppBackend b = load(file, 2);
             LlamaCppBackend c = LocalChatModels.load(file, 1, 512, TIMEOUT);
             LlamaCppBackend d = LlamaCppBackend.load(new LlamaCppSettings(file, 0, null, "auto", 0.9, 1024, TIMEOUT,
                     null, 1, 1), null, () -> new long[0])) {
            assertEquals(before + 4, SharedModels.loads());
            assertNotSame(a.sharedModel(), b.sharedModel());
            assertNotSame(a.sharedModel(), c.sharedModel());
            assertNotSame(a.sharedModel(), d.sharedModel());
        }
    }

    @Test
    void theTimeoutIsNoLoadSettingAndStaysEachBackendsOwn() throws Exception {
        Path file = copy(TestModels.scriptedChat());
        try (LlamaCppBackend a = LocalChatModels.load(file, 1, 1024, Duration.ofSeconds(30));
             LlamaCppBackend b = LocalChatModels.load(file, 1, 1024, null)) {
            assertSame(a.sharedModel(), b.sharedModel());
        }
    }

    @Test
    void aFileChangedOnDiskIsLoadedAgain() throws Exception {
        Path file = copy(TestModels.scriptedChat());
        int before = SharedModels.loads();
        SharedModels.Model first;
        try (LlamaCppBackend a = load(file, 1)) {
            first = a.sharedModel();
        }
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2000));
        try (LlamaCppBackend b = load(file, 1)) {
            assertNotSame(first, b.sharedModel());
            assertEquals(before + 2, SharedModels.loads());
            assertEquals("Hi", b.chat(ChatModelRequest.builder("", "Hello?").temperature(0)
                    .stop(List.of("<END>")).build()).text());
        }
    }

    @Test
    void theLastCloseKeepsTheModelForTheNextOpen() throws Exception {
        Path file = copy(TestModels.scriptedChat());
        int before = SharedModels.loads();
        SharedModels.Model first;
        try (AutoModel a = autoModel(file)) {
            a.generate("How are you?", GREEDY);
        }
        try (LlamaCppBackend b = LocalChatModels.load(file, 1, 12288, null)) { // the AutoModel's load settings
            first = b.sharedModel();
            assertEquals(1, first.users());
        }
        assertEquals(0, first.users());
        try (AutoModel c = autoModel(file)) {
            assertEquals("Hi", c.generate("How are you?", GREEDY));
        }
        assertEquals(before + 1, SharedModels.loads());
    }

    @Test
    void concurrentOpensOfOneModelLoadItOnce() throws Exception {
        Path file = copy(TestModels.scriptedChat());
        int before = SharedModels.loads();
        int n = 4;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<LlamaCppBackend>> opened = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                opened.add(pool.submit(() -> {
                    start.await();
                    return load(file, 2);
                }));
            }
            start.countDown();
            List<LlamaCppBackend> backends = new ArrayList<>();
            for (Future<LlamaCppBackend> f : opened) {
                backends.add(f.get(120, TimeUnit.SECONDS));
            }
            assertEquals(before + 1, SharedModels.loads());
            for (LlamaCppBackend b : backends) {
                assertSame(backends.get(0).sharedModel(), b.sharedModel());
            }
            assertEquals(n, backends.get(0).sharedModel().users());
            for (LlamaCppBackend b : backends) {
                b.close();
            }
            assertEquals(0, backends.get(0).sharedModel().users());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closingOneLeavesTheOthersStreamAndCallsRunning() throws Exception {
        Path file = copy(LocalChatModels.seededChat());
        try (LlamaCppBackend a = load(file, 2); LlamaCppBackend b = load(file, 2)) {
            TokenStream s = b.stream(longAnswer(64));
            StringBuilder text = new StringBuilder(s.next());
            a.close();
            while (s.hasNext()) {
                text.append(s.next());
            }
            assertEquals(FinishReason.LENGTH, s.result().finishReason());
            assertEquals(64, s.result().usage().completionTokens());
            assertEquals(text.toString(), s.result().text());
            ChatModelResponse r = b.chat(longAnswer(8));
            assertEquals(8, r.usage().completionTokens());
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> a.chat(longAnswer(8)));
            assertEquals("This model has been closed", e.getMessage());
        }
    }

    @Test
    void closeCancelsTheBackendsOwnStreamsAndGivesTheirSlotsToTheOthers() throws Exception {
        Path file = copy(LocalChatModels.seededChat());
        try (LlamaCppBackend b = load(file, 1)) {
            LlamaCppBackend a = load(file, 1);
            TokenStream s = a.stream(longAnswer(900));
            s.next();
            a.close();
            assertEquals(0, a.openStreams());
            assertFalse(s.hasNext());
            assertEquals(FinishReason.CANCELLED, s.result().finishReason());
            // The one slot is free again: with the stream still holding it, this would time out.
            assertEquals(8, b.chat(longAnswer(8)).usage().completionTokens());
        }
    }

    @Test
    void aStreamReadOnAnotherThreadEndsAtItsNextTokenAndCloseWaitsForIt() throws Exception {
        Path file = copy(LocalChatModels.seededChat());
        LlamaCppBackend a = load(file, 1);
        TokenStream s = a.stream(longAnswer(900));
        s.next();
        CompletableFuture<FinishReason> reader = CompletableFuture.supplyAsync(() -> {
            while (s.hasNext()) {
                s.next();
            }
            return s.result().finishReason();
        });
        a.close();
        assertEquals(0, a.openStreams(), "close returned before the stream gave its slot back");
        assertEquals(FinishReason.CANCELLED, reader.get(60, TimeUnit.SECONDS));
    }

    @Test
    void theLastCloseWaitsForTheTaskLoopWhichEvaluatesNothingForIt() throws Exception {
        Path file = copy(LocalChatModels.seededChat());
        ChatModelRequest shortAnswer = longAnswer(4);
        SharedModels.Model shared;
        int promptTokens;
        try (LlamaCppBackend a = load(file, 1)) {
            shared = a.sharedModel();
            LlamaCppBackend b = load(file, 1);
            promptTokens = b.chat(shortAnswer).usage().promptTokens();
            b.close(); // not the last user: a may be generating, so the task loop is not waited for
            assertEquals(0, shared.taskLoopWaits());
            TokenStream s = a.stream(longAnswer(900));
            s.next();
            s.cancel(); // llama.cpp may still be computing the next token
        }
        assertEquals(1, shared.taskLoopWaits());
        try (LlamaCppBackend c = load(file, 1)) {
            assertSame(shared, c.sharedModel());
            // The wait evaluated nothing and left the slot's cache alone: the same prompt again re-evaluates only its
            // last token.
            ChatModelResponse r = c.chat(longAnswer(900).toBuilder().maxNewTokens(4).build());
            assertEquals(promptTokens, r.usage().promptTokens());
            assertEquals(1, r.usage().evaluatedPromptTokens());
        }
    }

    @Test
    void aCancelledGenerationAndTheWaitAfterItLeaveTheModelUsable() throws Exception {
        Path file = copy(LocalChatModels.seededChat());
        SharedModels.Model shared;
        try (LlamaCppBackend a = load(file, 1)) {
            shared = a.sharedModel();
            assertEquals(4, a.chat(longAnswer(4)).usage().completionTokens());
        }
        assertEquals(1, shared.taskLoopWaits());
        assertEquals(0, shared.users());
        try (LlamaCppBackend b = load(file, 1)) {
            assertEquals(16, b.chat(longAnswer(16)).usage().completionTokens());
        }
        assertEquals(2, shared.taskLoopWaits());
    }

    @Test
    void aModelLoadedBesideAnotherWithAnOpenMpLibrarySaysThatDecodingSlowsDownAndWhatToDo() throws Exception {
        Path first = copy(TestModels.scriptedChat());
        Path second = Files.copy(first, tmp.resolve("second.gguf"));
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        try (LlamaCppBackend a = load(first, 1)) {
            try (java.io.PrintStream capture = new java.io.PrintStream(captured, true,
                    java.nio.charset.StandardCharsets.UTF_8)) {
                System.setErr(capture);
                SharedModels.warnAboutOpenMpAgain();
                try (LlamaCppBackend b = load(second, 1)) {
                    assertNotSame(a.sharedModel(), b.sharedModel());
                }
            } finally {
                System.setErr(original);
            }
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        String says = "second.gguf is loaded beside ";
        if (NativeLibrary.usesOpenMp()) {
            assertTrue(log.contains(says), log);
            assertTrue(log.contains("scripted-chat.gguf"), log);
            assertTrue(log.contains("Use one local model per JVM, or a library without OpenMP: bin/dro native build"),
                    log);
        } else {
            assertFalse(log.contains(says), log);
        }
    }

    @Test
    void theBundledLibraryOnLinuxIsKnownToUseOpenMpAndAFileWithoutItIsNot() throws Exception {
        if (NativeLibrary.loaded().isEmpty()) {
            load(copy(TestModels.scriptedChat()), 1).close();
        }
        NativeChoice loaded = NativeLibrary.loaded().orElseThrow();
        Path lib = loaded.directory().resolve(System.mapLibraryName("jllama"));
        if (loaded.origin() == NativeChoice.Origin.BUNDLED && NativeLibrary.osFolder().equals("Linux")
                && NativeLibrary.archFolder().equals("x86_64")) {
            assertTrue(NativeLibrary.linksOpenMp(lib), lib.toString()); // de.kherud:llama 4.2.0 links libgomp.so.1
        }
        assertEquals(NativeLibrary.linksOpenMp(lib), NativeLibrary.usesOpenMp());
        Path plain = Files.write(tmp.resolve("libplain.so"), "\u007fELF libc.so.6 libstdc++.so.6 libm.so.6"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertFalse(NativeLibrary.linksOpenMp(plain));
        Path gomp = Files.write(tmp.resolve("libgomp-linked.so"), "\u007fELF libc.so.6 libgomp.so.1 libm.so.6"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertTrue(NativeLibrary.linksOpenMp(gomp));
        assertFalse(NativeLibrary.linksOpenMp(tmp.resolve("missing.so")));
    }

    @Test
    void withAnOpenMpLibraryAnIdleModelsTaskLoopEndsWhenAnotherModelIsLoadedAndOpeningItLoadsItAgain()
            throws Exception {
        Path file = copy(TestModels.scriptedChat());
        Path other = Files.copy(file, tmp.resolve("other.gguf"));
        boolean openMp = NativeLibrary.usesOpenMp();
        SharedModels.Model idle;
        try (LlamaCppBackend a = load(file, 1)) {
            idle = a.sharedModel();
        }
        assertFalse(idle.loopEnded());
        int before = SharedModels.loads();
        try (LlamaCppBackend b = load(other, 1)) {
            assertEquals(openMp, idle.loopEnded());
            assertEquals("Hi", b.chat(ChatModelRequest.builder("", "Hello?").temperature(0)
                    .stop(List.of("<END>")).build()).text());
        }
        assertEquals(!openMp, idle.awaitTaskLoop(System.nanoTime() + TIMEOUT.toNanos())); // never waits on an ended loop
        try (LlamaCppBackend again = load(file, 1)) {
            if (openMp) {
                assertNotSame(idle, again.sharedModel());
                assertEquals(before + 2, SharedModels.loads());
            } else {
                assertSame(idle, again.sharedModel());
                assertEquals(before + 1, SharedModels.loads());
            }
            assertEquals("Hi", again.chat(ChatModelRequest.builder("", "Hello?").temperature(0)
                    .stop(List.of("<END>")).build()).text());
        }
    }
}
