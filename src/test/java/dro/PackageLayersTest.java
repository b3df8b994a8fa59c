package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package layers of STYLE.md ("Where the code is heading"), checked on the import lines of the main sources: no
 * package imports one from a higher layer. The root package's values and exceptions are vocabulary any layer may use
 * (with dro.internal, the bottom layer); {@link AutoModel} is the only root class that reaches up (the top layer).
 */
class PackageLayersTest {

    /** Layer of each main package, bottom up. A package missing here fails the test: place it when you add it. */
    static final Map<String, Integer> LAYERS = Map.ofEntries(
            // the root's vocabulary (values, exceptions; AutoModel excepted, see TOP_ROOT_CLASSES) and dro.internal
            // form the bottom layer together: values validate through dro.internal.Validation, which throws the
            // root's exceptions
            Map.entry("dro", 1),
            Map.entry("dro.internal", 1),
            Map.entry("dro.backend", 2),
            Map.entry("dro.backend.llamacpp", 2),
            Map.entry("dro.backend.openai", 2),
            // the GGUF reader sits beside the backends (not on layer 3 as STYLE.md lists it): the llama.cpp backend
            // plans a load (context, GPU layers) from the file's metadata; dro.gguf itself uses only the bottom layer
            Map.entry("dro.gguf", 2),
            Map.entry("dro.hub", 3),
            Map.entry("dro.compat", 3),
            Map.entry("dro.icl", 3),
            Map.entry("dro.prompt", 3),
            Map.entry("dro.roles", 4),
            Map.entry("dro.train", 5),
            Map.entry("dro.train.icl", 5),
            Map.entry("dro.eval", 5),
            Map.entry("dro.train.run", 6),
            Map.entry("dro.langchain4j", 7),
            Map.entry("dro.cli", 7));

    /** Root classes on the top layer (the facade). */
    static final Set<String> TOP_ROOT_CLASSES = Set.of("dro.AutoModel");
    static final int TOP = 7;

    /** Package pairs that must not meet although their layers would allow it (same layer, kept apart). */
    static final Map<String, String> SEPARATED = Map.of("dro.eval", "dro.train");

    /**
     * Imports that break the layers on purpose, as {@code "importing class -> imported class"}, each with its reason.
     */
    static final Map<String, String> EXCEPTIONS = Map.of(
            "dro.AssembledPrompt -> dro.icl.IclExample",
            "the facade's assembled prompt (root vocabulary) carries the retrieved examples as they were sent",
            "dro.GenerateOptions -> dro.icl.IclOrder",
            "the facade's generation options (root vocabulary) name the order of the in-context examples");

    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?(dro(?:\\.[\\w*]+)+)\\s*;",
            Pattern.MULTILINE);

    @Test
    void noMainPackageImportsOneFromAHigherLayer() throws IOException {
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                String name = p.getFileName().toString();
                if (name.equals("module-info.java") || name.equals("package-info.java")) {
                    continue;
                }
                files++;
                violations.addAll(violations(name.substring(0, name.length() - 5), read(p)));
            }
        }
        assertTrue(files > 100, "only " + files + " sources found: is the working directory the project?");
        assertEquals(List.of(), violations);
    }

    @Test
    void everyMainPackageHasAPackageInfoAndALayer() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
            for (Path dir : s.filter(Files::isDirectory).toList()) {
                boolean hasSources;
                try (Stream<Path> files = Files.list(dir)) {
                    hasSources = files.anyMatch(f -> f.toString().endsWith(".java")
                            && !f.getFileName().toString().equals("module-info.java"));
                }
                String pkg = Path.of("src/main/java").relativize(dir).toString().replace('/', '.');
                if (hasSources && !Files.exists(dir.resolve("package-info.java"))) {
                    missing.add(pkg + " has no package-info.java");
                }
                if (hasSources && !LAYERS.containsKey(pkg)) {
                    missing.add(pkg + " has no layer in LAYERS");
                }
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void everyListedExceptionIsStillNeeded() throws IOException {
        Set<String> used = new TreeSet<>();
        try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".java")).toList()) {
                String cls = p.getFileName().toString().replace(".java", "");
                String src = read(p);
                Matcher pm = PACKAGE.matcher(src);
                if (!pm.find()) {
                    continue;
                }
                Matcher im = IMPORT.matcher(src);
                while (im.find()) {
                    String edge = pm.group(1) + "." + cls + " -> " + im.group(1);
                    if (EXCEPTIONS.containsKey(edge)) {
                        used.add(edge);
                    }
                }
            }
        }
        assertEquals(new TreeSet<>(EXCEPTIONS.keySet()), used);
    }

    @Test
    void theCheckerFlagsABackendThatImportsTheSearch() {
        assertEquals(List.of("dro.backend.Bad (layer 2) imports dro.train.BeamSearch (layer 5)"),
                violations("Bad", "package dro.backend;\n\nimport dro.Usage;\nimport dro.train.BeamSearch;\n"));
    }

    @Test
    void theCheckerFlagsStaticImportsAndTheFacadeUsedFromBelow() {
        assertEquals(List.of("dro.roles.Bad (layer 4) imports dro.cli.Main.run (layer 7)",
                        "dro.roles.Bad (layer 4) imports dro.AutoModel (layer 7)"),
                violations("Bad", "package dro.roles;\nimport static dro.cli.Main.run;\nimport dro.AutoModel;\n"));
    }

    @Test
    void theCheckerKeepsEvaluationApartFromTraining() {
        assertEquals(List.of("dro.eval.Bad imports dro.train.PathState, but dro.eval is kept apart from dro.train"),
                violations("Bad", "package dro.eval;\nimport dro.train.PathState;\nimport dro.roles.Roles;\n"));
    }

    @Test
    void theCheckerFlagsAPackageWithNoLayer() {
        assertEquals(List.of("dro.nowhere.Bad is in a package with no layer: add it to LAYERS"),
                violations("Bad", "package dro.nowhere;\nimport dro.Usage;\n"));
    }

    @Test
    void theCheckerAcceptsImportsFromBelowAndTheVocabulary() {
        assertEquals(List.of(), violations("Good",
                "package dro.train.run;\nimport dro.train.BeamSearch;\nimport dro.roles.Roles;\nimport dro.Usage;\n"
                        + "import dro.internal.Json;\nimport java.util.List;\n"));
    }

    /** The layer violations of one source file (its simple class name and text). */
    static List<String> violations(String simpleName, String source) {
        Matcher pm = PACKAGE.matcher(source);
        if (!pm.find()) {
            return List.of(simpleName + " has no package line");
        }
        String pkg = pm.group(1);
        String cls = pkg + "." + simpleName;
        Integer own = layerOfClass(pkg, cls);
        if (own == null) {
            return List.of(cls + " is in a package with no layer: add it to LAYERS");
        }
        List<String> out = new ArrayList<>();
        Matcher im = IMPORT.matcher(source);
        while (im.find()) {
            String imported = im.group(1);
            if (EXCEPTIONS.containsKey(cls + " -> " + imported)) {
                continue;
            }
            String ipkg = packageOf(imported);
            Integer layer = layerOfClass(ipkg, classOf(imported));
            if (layer == null) {
                out.add(cls + " imports " + imported + " from a package with no layer");
            } else if (layer > own) {
                out.add(cls + " (layer " + own + ") imports " + imported + " (layer " + layer + ")");
            } else {
                for (Map.Entry<String, String> e : SEPARATED.entrySet()) {
                    if (within(pkg, e.getKey()) && within(ipkg, e.getValue())) {
                        out.add(cls + " imports " + imported + ", but " + e.getKey() + " is kept apart from "
                                + e.getValue());
                    }
                }
            }
        }
        return out;
    }

    private static boolean within(String pkg, String root) {
        return pkg.equals(root) || pkg.startsWith(root + ".");
    }

    private static Integer layerOfClass(String pkg, String cls) {
        return TOP_ROOT_CLASSES.contains(cls) ? Integer.valueOf(TOP) : LAYERS.get(pkg);
    }

    /** The package of an imported name: its leading lower-case segments ({@code dro.roles.LlmRoles.LlmJudge}). */
    static String packageOf(String imported) {
        StringBuilder sb = new StringBuilder();
        for (String seg : imported.split("\\.")) {
            if (seg.equals("*") || Character.isUpperCase(seg.charAt(0))) {
                break;
            }
            sb.append(sb.length() == 0 ? "" : ".").append(seg);
        }
        return sb.toString();
    }

    /** The top-level class of an imported name ({@code dro.AutoModel} for {@code dro.AutoModel.Builder}). */
    private static String classOf(String imported) {
        String pkg = packageOf(imported);
        String rest = imported.length() > pkg.length() ? imported.substring(pkg.length() + 1) : "";
        int dot = rest.indexOf('.');
        return pkg + "." + (dot < 0 ? rest : rest.substring(0, dot));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
