package dro.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the test classpath in a fresh JVM, with the test run's cache and config directories, and
 * returns its exit code and output. For tests that need what only a separate process shows (llama.cpp's own log on
 * standard error, a cold start).
 */
public final class ChildJvm {

    /** What the child did. */
    public record Result(int code, String out, String err) { }

    private ChildJvm() { }

    /**
     * @param env environment variables to add
     * @param workDir where its output files go (a test's temporary directory)
     */
    public static Result run(Class<?> main, Map<String, String> env, Path workDir, String... args)
            throws IOException, InterruptedException {
        return run(main, env, workDir, false, args);
    }

    /**
     * Like {@link #run(Class, Map, Path, String...)}, with {@code workDir} also the child's working directory, so
     * that paths relative to it (such as a command's default output directory) land there.
     */
    public static Result runIn(Path workDir, Class<?> main, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        return run(main, env, workDir, true, args);
    }

    /**
     * Like {@link #run(Class, Map, Path, String...)} on a class path without the entries whose file name
     * {@code leftOut} matches: for what a program meets when an optional dependency is missing.
     */
    public static Result runWithout(java.util.function.Predicate<String> leftOut, Class<?> main, Path workDir,
                                    String... args) throws IOException, InterruptedException {
        return run(command(main, leftOut, args), Map.of(), workDir, false);
    }

    private static Result run(Class<?> main, Map<String, String> env, Path workDir, boolean cwd, String... args)
            throws IOException, InterruptedException {
        return run(command(main, name -> false, args), env, workDir, cwd);
    }

    private static Result run(List<String> command, Map<String, String> env, Path workDir, boolean cwd)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        if (cwd) {
            pb.directory(workDir.toFile());
        }
        Path out = Files.createTempFile(workDir, "child-out", ".txt");
        Path err = Files.createTempFile(workDir, "child-err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /**
     * Starts {@code main} in a fresh JVM in {@code workDir} (its working directory) and returns at once, standard output
     * and error going to {@code out} and {@code err}: for tests that stop the child part way.
     */
    public static Process start(Path workDir, Class<?> main, Map<String, String> env, Path out, Path err,
                                String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(main, name -> false, args));
        pb.environment().putAll(env);
        pb.directory(workDir.toFile());
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        return pb.start();
    }

    private static List<String> command(Class<?> main, java.util.function.Predicate<String> leftOut, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String p : List.of("dro4j.cache.dir", "dro4j.config.dir", "DJL_CACHE_DIR")) {
            if (System.getProperty(p) != null) {
                command.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        command.add("-cp");
        // On the module path (surefire's default with module-info) the test classes are patched into dro4j and are
        // on neither path: add where the main class was loaded from.
        java.util.LinkedHashSet<String> cp = new java.util.LinkedHashSet<>();
        cp.add(Path.of(java.net.URI.create(main.getProtectionDomain().getCodeSource().getLocation().toString()))
                .toString());
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String value = System.getProperty(property);
            if (value != null) {
                for (String e : value.split(java.io.File.pathSeparator)) {
                    if (!e.isEmpty() && !leftOut.test(Path.of(e).getFileName().toString())) {
                        cp.add(e);
                    }
                }
            }
        }
        command.add(String.join(java.io.File.pathSeparator, cp));
        command.add(main.getName());
        command.addAll(List.of(args));
        return command;
    }
}
