package dro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --config} files as picocli default values: what is wrong with one is named, in one line, exit code 1. */
class ConfigFileDefaultsTest {

    @TempDir
    Path tmp;

    CliRun train(String json, String... more) throws Exception {
        Path config = Files.writeString(tmp.resolve("c.json"), json);
        String[] args = new String[4 + more.length];
        args[0] = "train";
        args[1] = "--config";
        args[2] = config.toString();
        args[3] = "--estimate";
        System.arraycopy(more, 0, args, 4, more.length);
        return CliRun.dro(args);
    }

    String config() {
        return tmp.resolve("c.json").toString();
    }

    @Test
    void aNumberThatIsNotOneIsNamedWithItsKeyAsWritten() throws Exception {
        CliRun r = train("{\"beam_size\": \"two\"}", "--base-model", "policy-m");
        assertEquals(1, r.code());
        assertEquals("dro: error: Config file " + config() + ": \"beam_size\" must be a number, but is two",
                r.err().strip());
    }

    @Test
    void aSwitchMustBeTrueOrFalse() throws Exception {
        CliRun r = train("{\"ret-icl\": \"yes\"}", "--base-model", "policy-m");
        assertEquals(1, r.code());
        assertEquals("dro: error: Config file " + config() + ": \"ret-icl\" must be true or false, but is yes",
                r.err().strip());
    }

    @Test
    void aFileThatIsNotAJsonObjectIsRefused() throws Exception {
        CliRun notJson = train("{beam_size: 2}", "--base-model", "policy-m");
        assertEquals(1, notJson.code());
        assertTrue(notJson.err().strip().startsWith("dro: error: Config file " + config() + " is not valid JSON: "),
                notJson.err());
        CliRun array = train("[2]", "--base-model", "policy-m");
        assertEquals("dro: error: Config file " + config() + " must hold a JSON object", array.err().strip());
    }

    @Test
    void theConfigFileCannotNameAnotherConfigFile() throws Exception {
        CliRun r = train("{\"config\": \"other.json\"}", "--base-model", "policy-m");
        assertEquals("dro: error: Config file " + config() + " has an unknown setting \"config\"", r.err().strip());
    }

    @Test
    void anUnknownSettingIsQuotedOnOneLineWithItsControlCharactersEscaped() throws Exception {
        // found by the fuzzer: a key's carriage returns broke the refusal into "lines" and could move the cursor
        CliRun r = train("{\"jc\\rac\\rdro: unexpected error\\u001b[2K\\ttre\\n\": 1}", "--base-model", "policy-m");
        assertEquals(1, r.code());
        assertEquals("dro: error: Config file " + config() + " has an unknown setting"
                + " \"jc\\rac\\rdro: unexpected error\\u001b[2K\\ttre\\n\"\n", r.err());
    }

    @Test
    void settingsOfTheConfigFileAndTheCommandLineMeetAndTheCommandLineWins() throws Exception {
        // the estimate prints its settings' consequences; the file says depth 5, the command line 2
        CliRun fromFile = train("{\"depth\": 2, \"max_depth_increase\": 0, \"beam_size\": 1, \"n_actions\": 1,"
                + " \"base_model\": \"policy-m\", \"price\": \"judge=1000000/0\"}");
        assertEquals(0, fromFile.code(), fromFile.err());
        CliRun overridden = train("{\"depth\": 5, \"max_depth_increase\": 0, \"beam_size\": 1, \"n_actions\": 1,"
                + " \"base_model\": \"policy-m\", \"price\": \"judge=1000000/0\"}", "--depth", "2");
        assertEquals(0, overridden.code(), overridden.err());
        assertEquals(fromFile.out(), overridden.out());
        assertTrue(fromFile.out().matches("(?s).*\\n  judge +gpt-4-0125-preview +2 +6 .*"), fromFile.out());
    }

    @Test
    void aValueHoldingANulCharacterIsRefusedInOneLine() throws Exception {
        // as a file name it failed deep inside the run: "unexpected error: java.nio.file.InvalidPathException"
        CliRun r = train("{\"base_model\": \"policy\\u0000m\"}");
        assertEquals(1, r.code());
        assertEquals("dro: error: Config file " + config() + ": the value of \"base_model\" holds a NUL character",
                r.err().strip());
    }
}
