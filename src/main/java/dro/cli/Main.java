package dro.cli;

import dro.Environment;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dro} command line. */
@Command(name = "dro", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "DRO-aligned generation with local GGUF models (dro4j).",
        subcommands = {GenerateCommand.class, TrainCommand.class, OptimizeIclCommand.class, EvalCommand.class,
                PromptsCommand.class, NativeCommand.class, ServeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where HF_TOKEN, HF_ENDPOINT and the offline switches are read. */
    final Environment environment;

    Main() {
        this(Environment.SYSTEM);
    }

    Main(Environment environment) {
        this.environment = environment;
    }

    /** The Maven coordinates the command line needs on the class path (dro4j declares them optional). */
    static final String PICOCLI = "info.picocli:picocli:4.7.7";

    public static void main(String[] args) {
        int code;
        if (!picocliPresent()) {
            System.err.println("dro: error: the command line needs " + PICOCLI + " on the class path, and it is not"
                    + " there (dro4j declares it optional); bin/dro puts target/lib on the class path");
            code = 1;
        } else {
            configureLogging(args);
            code = run(args);
        }
        System.out.flush();
        System.err.flush();
        System.exit(code); // the exit code is the command's result
    }

    private static boolean picocliPresent() {
        try {
            Class.forName("picocli.CommandLine", false, Main.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Runs the command line and returns its exit code (0 ok, 1 failure, 2 usage). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** Runs the command line with the given output and error streams. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    /** Runs the command line with the given environment variables (for tests). */
    static int run(Environment environment, PrintWriter out, PrintWriter err, String... args) {
        return commandLine(new Main(environment)).setOut(out).setErr(err).execute(args);
    }

    private static CommandLine commandLine() {
        return commandLine(new Main());
    }

    private static CommandLine commandLine(Main main) {
        return ErrorHandler.commandLine(main);
    }

    @Override
    public void run() {
        throw ErrorHandler.missingCommand(spec);
    }

    /**
     * Logs go to standard error, WARN and above unless -v/--verbose asks for INFO (or -vv for DEBUG); {@code dro serve}
     * logs at INFO (its access log) unless told otherwise.
     */
    private static void configureLogging(String[] args) {
        String level = args.length > 0 && args[0].equals("serve") ? "info" : "warn";
        for (String a : args) {
            if (a.equals("-v") || a.equals("--verbose")) {
                level = "info";
            } else if (a.equals("-vv")) {
                level = "debug";
            }
        }
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--logging-level")) {
                level = args[i + 1].toLowerCase(java.util.Locale.ROOT);
            }
        }
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level);
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        // ONNX Runtime and DJL log at INFO about their own start-up; keep them quiet unless debugging.
        setIfAbsent("org.slf4j.simpleLogger.log.ai.djl", level.equals("debug") ? "debug" : "error");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * Prints a library error as one line naming what was wrong; exit code 1. It also builds what {@link Main}'s own
     * code would otherwise build, so that verifying {@code Main} loads no picocli class and {@link #main} can say
     * that picocli is missing.
     */
    static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        static CommandLine commandLine(Main main) {
            return ConfigFileDefaults.install(new CommandLine(main).setExecutionExceptionHandler(new ErrorHandler()));
        }

        static RuntimeException missingCommand(CommandLine.Model.CommandSpec spec) {
            return new CommandLine.ParameterException(spec.commandLine(), "Missing command: try 'dro generate --help'");
        }

        @Override
        public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
            if (ex instanceof dro.DroException || ex instanceof java.io.UncheckedIOException) {
                cmd.getErr().println("dro: error: " + ex.getMessage());
                return 1;
            }
            cmd.getErr().println("dro: unexpected error: " + ex);
            ex.printStackTrace(cmd.getErr());
            return 1;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"dro4j " + (v == null ? "(development build)" : v)};
        }
    }
}
