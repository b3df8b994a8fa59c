package dro.cli;

import dro.Environment;
import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of {@code dro} with its exit code and what it printed. */
public record CliRun(int code, String out, String err) {

    /** Runs {@code dro args} with the process's environment. */
    public static CliRun dro(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Runs {@code dro args} with the given environment variables instead of the process's. */
    public static CliRun dro(Environment env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
