package dro.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dro.InvalidRequestException;
import dro.eval.EvalConfiguration;
import dro.eval.EvalQueries;
import dro.testing.Fuzz;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;

/**
 * A {@code --config} file of {@code train}, {@code optimize-icl} or {@code eval} is read into the command's settings or
 * refused with a one-line error ({@link InvalidRequestException}, or picocli's usage error for a value its option
 * cannot take): never an unexpected error. {@code train} runs whole with {@code --estimate} (no model is called or
 * loaded); the other two are parsed and checked as their {@code call()} begins, and {@code eval}'s configurations and
 * unsafe rules are parsed.
 */
class ConfigFileFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void anyTrainConfigRunsTheEstimateOrIsRefusedInOneLine(byte[] data) {
        Path f = file("train-config-", data);
        Fuzz.onlyDeclared(() -> {
            // as Main.run(out, err, args) runs it, on the one command line below
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = CLI.setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                    .execute("train", "--config", f.toString(), "--estimate");
            CliRun r = new CliRun(code, out.toString(), err.toString());
            assertTrue(r.code() >= 0 && r.code() <= 2, r.toString());
            // the line Main prints for an exception it did not expect; an input's own text may contain the words
            assertFalse(r.err().lines().anyMatch(l -> l.startsWith("dro: unexpected error")), r.err());
        });
    }

    @FuzzTest(maxDuration = "60s")
    void anyOptimizeIclConfigIsReadOrRefused(byte[] data) {
        Path f = file("icl-config-", data);
        Fuzz.onlyDeclared(() -> parsed("optimize-icl", f), InvalidRequestException.class,
                CommandLine.ParameterException.class);
    }

    @FuzzTest(maxDuration = "60s")
    void anyEvalConfigIsReadOrRefused(byte[] data) {
        Path f = file("eval-config-", data);
        Fuzz.onlyDeclared(() -> {
            EvalCommand eval = (EvalCommand) parsed("eval", f).getCommand();
            if (eval.configSets != null) {
                EvalConfiguration.parseAll(eval.configSets, () -> Optional.of("An optimised prompt."));
            }
            if (eval.unsafeWhen != null) {
                eval.unsafeWhen.forEach(EvalQueries.UnsafeRule::parse);
            }
        }, InvalidRequestException.class, CommandLine.ParameterException.class);
    }

    /**
     * One command line for all inputs, as {@code Main.run} builds it (picocli resets every option before it parses;
     * building the command line, every subcommand's included, was most of the time an input took). The config file's
     * name alternates, as a command reads a file once per name.
     */
    private static final CommandLine CLI = Main.ErrorHandler.commandLine(new Main());

    private static int inputs;

    private static Path file(String prefix, byte[] data) {
        return Fuzz.file(prefix + (inputs++ % 2) + ".json", data);
    }

    /** The subcommand as its {@code call()} sees it once the config file is checked. */
    private static CommandLine parsed(String command, Path config) {
        CommandLine.ParseResult r = CLI.parseArgs(command, "--config", config.toString());
        CommandLine sub = r.subcommand().commandSpec().commandLine();
        ConfigFileDefaults.check(sub.getCommandSpec());
        return sub;
    }
}
