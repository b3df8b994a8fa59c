package dro;

import static dro.cli.CliRun.dro;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.cli.CliRun;
import dro.testing.PickleBytes;
import dro.testing.TestModels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input, end to end through the command line and the public API: pickles that try to run code, truncated
 * pickles, GGUF headers with absurd sizes, mappings and links that lead out of their directory, ICL and training
 * files of the wrong shape. Each is rejected with a message that names the file and what is wrong; nothing is run
 * (a canary file that the hostile pickles would create stays absent), and nothing is written outside the directory
 * the command writes to (the whole temporary tree is compared before and after).
 */
class HostileInputTest {

    @TempDir
    Path tmp;

    /** Every file under {@code root} with its SHA-256, and every directory, by relative path. */
    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link -> " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    out.put(rel, "dir");
                } else {
                    out.put(rel, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                            .digest(Files.readAllBytes(p))));
                }
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** The entries of {@code after} that are new or changed compared with {@code before}. */
    static List<String> changed(Map<String, String> before, Map<String, String> after) {
        return after.entrySet().stream().filter(e -> !e.getValue().equals(before.get(e.getKey())))
                .map(Map.Entry::getKey).toList();
    }

    @Test
    void importRejectsPicklesThatCallFunctionsAndTruncatedOnesAndWritesOnlyItsStore() throws Exception {
        Path canary = tmp.resolve("pwned");
        Path data = Files.createDirectories(tmp.resolve("hostile/data"));
        write(data.resolve("posix-system/output.pkl"), PickleBytes.proto(4).stackGlobal("posix", "system")
                .str("touch " + canary).op(0x85).op('R').stop().bytes());
        write(data.resolve("builtins-eval/output.pkl"), PickleBytes.proto(2).global("builtins", "eval")
                .str("__import__('os').system('touch " + canary + "')").op(0x85).op('R').stop().bytes());
        write(data.resolve("hidden-in-a-dict/output.pkl"), PickleBytes.proto(4).op('}').str("prompt")
                .stackGlobal("subprocess", "check_call").str("touch " + canary).op(0x85).op('R').op('s').stop()
                .bytes());
        write(data.resolve("truncated/output.pkl"), PickleBytes.proto(4).str("A prompt whose pickle was cut").bytes());
        Files.createDirectories(data.resolve("good"));
        Files.writeString(data.resolve("good/output.txt"), "Be good.");
        Path store = tmp.resolve("store");
        Map<String, String> before = tree(tmp);

        CliRun r = dro("prompts", "import", "--prompts-dir", store.toString(), data.toString());

        assertEquals(1, r.code(), r.out() + r.err());
        assertEquals(String.join(System.lineSeparator(),
                "dro: error: not imported: builtins-eval: Pickle " + data.resolve("builtins-eval/output.pkl")
                        + " refers to builtins.eval (byte 2), which is not allowed: dro4j reads pickles as plain data"
                        + " and accepts only the original DRO's result classes and basic containers",
                "dro: error: not imported: hidden-in-a-dict: Pickle " + data.resolve("hidden-in-a-dict/output.pkl")
                        + " refers to subprocess.check_call (byte 35), which is not allowed: dro4j reads pickles as"
                        + " plain data and accepts only the original DRO's result classes and basic containers",
                "dro: error: not imported: posix-system: Pickle " + data.resolve("posix-system/output.pkl")
                        + " refers to posix.system (byte 17), which is not allowed: dro4j reads pickles as plain data"
                        + " and accepts only the original DRO's result classes and basic containers",
                "dro: error: not imported: truncated: Truncated pickle " + data.resolve("truncated/output.pkl")
                        + ": the data ends at byte 33 before the STOP opcode", ""), r.err());
        assertTrue(r.out().contains("Imported good from good/output.txt"), r.out());
        assertFalse(Files.exists(canary), "a pickle ran code");
        List<String> changed = changed(before, tree(tmp));
        assertTrue(changed.stream().allMatch(p -> p.startsWith("store")), "written outside the store: " + changed);
        assertEquals("Be good.", Files.readString(store.resolve("optimized/good/prompt.txt")).strip());
    }

    @Test
    void importRejectsAMappingOrALinkThatLeadsOutOfItsDirectory() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("output.txt"), "A secret that is not a prompt.");
        Path data = Files.createDirectories(tmp.resolve("hostile/data"));
        Files.createDirectories(data.resolve("run"));
        Files.writeString(data.resolve("run/output.txt"), "Be good.");
        Files.writeString(data.resolve("model_mapping.json"), "{\"org/Model-7B\": \"./data/../../outside/output.txt\"}");
        Path store = tmp.resolve("store");
        Map<String, String> before = tree(tmp);

        CliRun escape = dro("prompts", "import", "--prompts-dir", store.toString(), data.toString());

        assertEquals(1, escape.code());
        assertEquals("dro: error: Model mapping " + data.resolve("model_mapping.json") + ": the entry \"org/Model-7B\""
                + " points outside the mapping's directory: \"./data/../../outside/output.txt\""
                + System.lineSeparator(), escape.err());
        assertEquals(List.of(), changed(before, tree(tmp)), "nothing is written");

        Files.delete(data.resolve("model_mapping.json"));
        Files.createSymbolicLink(data.resolve("linked-run"), outside);
        Files.createDirectories(data.resolve("linked-file"));
        Files.createSymbolicLink(data.resolve("linked-file/output.txt"), outside.resolve("output.txt"));
        before = tree(tmp);

        CliRun links = dro("prompts", "import", "--prompts-dir", store.toString(), data.toString());

        assertEquals(1, links.code());
        assertEquals(String.join(System.lineSeparator(),
                "dro: error: not imported: linked-file: " + data.resolve("linked-file/output.txt") + " leads outside "
                        + data + " (a symbolic link); it is not read",
                "dro: error: not imported: linked-run: " + data.resolve("linked-run") + " leads outside " + data
                        + " (a symbolic link); it is not read", ""), links.err());
        assertTrue(changed(before, tree(tmp)).stream().allMatch(p -> p.startsWith("store")));
        assertFalse(Files.readString(store.resolve("optimized/run/prompt.txt")).contains("secret"));
        assertEquals(List.of("run"), listDir(store.resolve("optimized")));
    }

    @Test
    void aGgufWithAbsurdSizesIsRejectedBeforeLlamaCppSeesIt() throws Exception {
        Path absurdCount = Files.write(tmp.resolve("count.gguf"), gguf(1L << 40, 0, null));
        Path absurdString = Files.write(tmp.resolve("string.gguf"), gguf(0, 1, Long.MAX_VALUE));
        Path absurdArray = Files.write(tmp.resolve("array.gguf"), ggufWithArray(Long.MAX_VALUE / 2));

        for (Path p : List.of(absurdCount, absurdString, absurdArray)) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> AutoModel.builder().model(p).build());
            assertTrue(e.getMessage().startsWith("Invalid GGUF file " + p.toAbsolutePath() + ": "), e.getMessage());
        }
        assertEquals("Invalid GGUF file " + absurdCount.toAbsolutePath() + ": tensor count 1099511627776 does not fit"
                + " in the file", assertThrows(ModelLoadException.class,
                () -> AutoModel.builder().model(absurdCount).build()).getMessage());

        CliRun cli = dro("generate", "--model", absurdArray.toString(), "Hello?");
        assertEquals(1, cli.code());
        assertTrue(cli.err().startsWith("dro: error: Invalid GGUF file " + absurdArray.toAbsolutePath() + ": "),
                cli.err());
        assertEquals("", cli.out());
    }

    @Test
    void iclFilesOfTheWrongShapeAreRejectedNamingTheFile() throws Exception {
        Map<String, String> bad = Map.of(
                "array.json", "[\"q\", \"a\"]",
                "number.json", "{\"How?\": 42}",
                "empty.json", "{}",
                "broken.json", "{\"How?\": \"<START>\\nLike this.\\n<END>\"");
        for (Map.Entry<String, String> b : bad.entrySet()) {
            Path f = Files.writeString(tmp.resolve(b.getKey()), b.getValue());
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> AutoModel.builder().model(TestModels.scriptedChat()).iclFile(f).build());
            assertTrue(e.getMessage().startsWith("ICL file " + f.toAbsolutePath()), e.getMessage());
            CliRun cli = dro("generate", "--model", TestModels.scriptedChat().toString(), "--icl-file", f.toString(),
                    "--dry-run", "Hello?");
            assertEquals(1, cli.code());
            assertEquals("dro: error: " + e.getMessage() + System.lineSeparator(), cli.err());
        }
        assertEquals("ICL file " + tmp.resolve("number.json").toAbsolutePath() + ": the answer to query \"How?\" must"
                + " be a non-empty string, but is NUMBER", assertThrows(InvalidRequestException.class,
                () -> AutoModel.builder().model(TestModels.scriptedChat()).iclFile(tmp.resolve("number.json"))
                        .build()).getMessage());
    }

    @Test
    void trainingFilesOfTheWrongShapeAreRejectedBeforeAnythingIsWritten() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("pools"));
        Files.writeString(data.resolve("alpaca_train.json"), "{\"instruction\": \"not in an array\"}");
        Files.writeString(data.resolve("lima_subsample_train.json"), "[{\"query\": \"ok\"}]");
        Files.writeString(data.resolve("mal_train.txt"), "one\n");
        Path runs = tmp.resolve("runs");

        CliRun pools = droWritingNothing("train", "--base-model", "policy-m", "--log-dir", runs.resolve("a").toString(),
                "--data-dir", data.toString());

        assertEquals(1, pools.code());
        assertEquals("dro: error: Training file " + data.resolve("alpaca_train.json").toAbsolutePath()
                + " must hold a JSON array of objects" + System.lineSeparator(), pools.err());

        Files.writeString(data.resolve("alpaca_train.json"), "[{\"instruction\": \"fine\"}, \"a bare string\"]");
        CliRun element = droWritingNothing("train", "--base-model", "policy-m", "--log-dir",
                runs.resolve("b").toString(), "--data-dir", data.toString());
        assertEquals(1, element.code());
        assertEquals("dro: error: Training file " + data.resolve("alpaca_train.json").toAbsolutePath()
                + ": element 1 has no \"instruction\" string" + System.lineSeparator(), element.err());

        Path queries = Files.writeString(tmp.resolve("queries.json"), "{\"queries\": [\"a\"]}");
        CliRun q = droWritingNothing("train", "--base-model", "policy-m", "--log-dir", runs.resolve("c").toString(),
                "--queries", queries.toString());
        assertEquals(1, q.code());
        assertTrue(q.err().startsWith("dro: error: Queries file " + queries.toAbsolutePath()), q.err());
        assertFalse(Files.exists(runs));
    }

    /** Runs the command line and checks that it changed nothing under the test's directory. */
    private CliRun droWritingNothing(String... args) throws IOException {
        Map<String, String> before = tree(tmp);
        CliRun r = dro(args);
        assertEquals(List.of(), changed(before, tree(tmp)), "nothing is written");
        return r;
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    private static List<String> listDir(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A GGUF v3 header; with {@code keyLength}, one metadata key claiming that length. */
    private static byte[] gguf(long tensors, long kvs, Long keyLength) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(tensors).putLong(kvs);
        if (keyLength != null) {
            b.putLong(keyLength).put("xxxxxxxxxxxxxxxx".getBytes(StandardCharsets.US_ASCII));
        }
        return b.array();
    }

    /** A GGUF v3 header with one array-valued key whose element count is absurd. */
    private static byte[] ggufWithArray(long count) {
        ByteBuffer b = ByteBuffer.allocate(96).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(1);
        byte[] key = "tokenizer.ggml.tokens".getBytes(StandardCharsets.US_ASCII);
        b.putLong(key.length).put(key).putInt(9).putInt(8).putLong(count); // array of strings
        return b.array();
    }
}
