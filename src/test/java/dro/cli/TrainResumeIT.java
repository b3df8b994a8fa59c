package dro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.testing.ScriptedDroRoles;
import dro.testing.ScriptedOpenAiServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/dro train} killed (SIGKILL) or interrupted (SIGINT, as Ctrl-C) mid-run, then started again. */
class TrainResumeIT {

    @TempDir
    Path tmp;

    Process start(ScriptedOpenAiServer server, Path dir, Path queries) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "bin/dro", "train", "--base-model", "policy-m", "--eval-model",
                "judge-m", "--metrics-model", "selector-m", "--optimize-model", "optimizer-m", "--initial-system-prompt",
                "P", "--depth", "4", "--max-depth-increase", "0", "--queries", queries.toString(), "--no-ret-icl",
                "--concurrency", "1", "--log-dir", dir.toString())
                .directory(new File(System.getProperty("user.dir")));
        pb.environment().put("OPENAI_BASE_URL", server.baseUrl());
        pb.environment().put("OPENAI_API_KEY", "sk-test");
        pb.environment().put("DRO_JAVA_OPTS", "-Ddro4j.cache.dir=" + System.getProperty("dro4j.cache.dir"));
        pb.redirectOutput(tmp.resolve("out-" + System.nanoTime()).toFile());
        pb.redirectError(tmp.resolve("err-" + System.nanoTime()).toFile());
        return pb.start();
    }

    Path queries() throws Exception {
        return Files.writeString(tmp.resolve("q.json"), "[\"What is rice?\", \"How do I boil water?\","
                + " \"Why is the sky blue?\", \"Name a colour.\"]");
    }

    /** A clean run's requests, for comparison. */
    List<String> cleanRun(Path queries) throws Exception {
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()
                .respond(ScriptedDroRoles.responder(ScriptedDroRoles::prefersTwo, null))) {
            Process p = start(server, tmp.resolve("clean"), queries);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
            return server.requests().stream().map(ScriptedOpenAiServer.Request::body).toList();
        }
    }

    @Test
    void aKilledRunResumesWithoutRepeatingAnAnsweredCall() throws Exception {
        testInterruption("KILL");
    }

    @Test
    void ctrlCStopsARunThatResumesLater() throws Exception {
        testInterruption("INT");
    }

    void testInterruption(String signal) throws Exception {
        Path queries = queries();
        List<String> clean = cleanRun(queries);
        Path dir = tmp.resolve("run");
        int answerBeforeStop = 9;
        CountDownLatch held = new CountDownLatch(1);
        List<String> answered = new ArrayList<>();
        var roles = ScriptedDroRoles.responder(ScriptedDroRoles::prefersTwo, null);
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()) {
            server.respond(r -> {
                boolean hold;
                synchronized (answered) {
                    hold = answered.size() >= answerBeforeStop;
                    if (!hold) {
                        answered.add(r.body());
                    }
                }
                if (hold) { // never answered: held until the process is gone
                    held.countDown();
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return roles.apply(r);
            });
            Process p = start(server, dir, queries);
            assertTrue(held.await(120, TimeUnit.SECONDS), "the run reached the held request");
            Thread.sleep(300); // answered calls are recorded before the next one is sent (concurrency 1)
            new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start().waitFor();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run stopped on SIG" + signal);
        }
        List<String> firstRun;
        synchronized (answered) {
            firstRun = new ArrayList<>(answered);
        }
        assertEquals(answerBeforeStop, firstRun.size());
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start().respond(roles)) {
            Process p = start(server, dir, queries);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
            List<String> secondRun = server.requests().stream().map(ScriptedOpenAiServer.Request::body).toList();
            Set<String> overlap = new HashSet<>(secondRun);
            overlap.retainAll(firstRun);
            assertEquals(Set.of(), overlap, "no answered call is made again");
            assertEquals(clean.size(), firstRun.size() + secondRun.size(), "together, exactly a clean run's calls");
            assertEquals("P.2.2.2\n", Files.readString(dir.resolve("optimized_prompt.txt"), StandardCharsets.UTF_8));
        }
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start().respond(roles)) {
            Process p = start(server, dir, queries);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
            assertEquals(0, server.requests().size(), "a finished run run again makes no call");
        }
    }
}
