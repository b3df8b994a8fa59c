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
 * The package layers of docs/ARCHITECTURE.md ("The layers"): no main package uses one from a higher layer. The root
 * package's values and exceptions are vocabulary any layer may use (with dro.internal, the bottom layer);
 * {@link AutoModel} is the only root class that reaches up (the top layer).
 *
 * <p>Two checks. The import lines of the sources ({@link #violations(String, String)}) name what a file means to use,
 * including static imports of constants. The compiled classes ({@link #classFileViolations}) name what the code does
 * use, whatever the source wrote: a fully qualified {@code dro.roles.CallCache.record(...)} written inline, with no
 * import, is a class entry of the caller's constant pool, and so are the types in its field and method descriptors
 * and generic signatures. Reading the constant pool was chosen over scanning source text for dotted names because
 * it needs no Java lexer (comments, string and text blocks, Javadoc, nested names like {@code Outer.Inner} all
 * confuse a regular expression) and sees exactly what the compiler resolved. What it cannot see is a compile-time
 * constant (a {@code static final} string or number) of a higher layer, which javac copies into the caller; the
 * import check sees such a constant when it is imported. The class files are those of the current build
 * ({@code target/classes}, compiled before surefire runs); a class file whose source is gone (left by an incremental
 * build) is skipped.
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
            Map.entry("dro.backend.internal", 2),
            Map.entry("dro.bridge", 2),
            Map.entry("dro.backend.llamacpp", 2),
            Map.entry("dro.backend.openai", 2),
            // the GGUF reader sits beside the backends (not on layer 3 as STYLE.md lists it): the llama.cpp backend
            // plans a load (context, GPU layers) from the file's metadata; dro.gguf itself uses only the bottom layer
            Map.entry("dro.gguf", 2),
            Map.entry("dro.hub", 3),
            Map.entry("dro.compat", 3),
            Map.entry("dro.compat.internal", 3),
            Map.entry("dro.icl", 3),
            Map.entry("dro.icl.internal", 3),
            Map.entry("dro.prompt", 3),
            Map.entry("dro.prompt.internal", 3),
            Map.entry("dro.roles", 4),
            Map.entry("dro.roles.internal", 4),
            Map.entry("dro.train", 5),
            Map.entry("dro.train.search", 5),
            Map.entry("dro.train.icl", 5),
            Map.entry("dro.eval", 5),
            Map.entry("dro.train.run", 6),
            Map.entry("dro.langchain4j", 7),
            Map.entry("dro.springai", 7),
            Map.entry("dro.springai.autoconfigure", 7),
            Map.entry("dro.cli", 7),
            Map.entry("dro.serve", 7));

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
    void noCompiledMainClassRefersToOneFromAHigherLayer() throws IOException {
        Path classes = Path.of("target/classes");
        List<String> violations = new ArrayList<>();
        int files = 0;
        try (Stream<Path> s = Files.walk(classes.resolve("dro"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.equals("package-info.class")) {
                    continue;
                }
                files++;
                String binary = classes.relativize(p).toString().replace('\\', '/');
                String source = topLevel(binary.substring(0, binary.length() - ".class".length())) + ".java";
                if (!Files.exists(Path.of("src/main/java", source))) {
                    continue; // stale: its source was deleted or renamed since the last clean build
                }
                violations.addAll(classFileViolations(binary.substring(0, binary.length() - ".class".length()),
                        Files.readAllBytes(p)));
            }
        }
        assertTrue(files > 100, "only " + files + " classes found under " + classes.toAbsolutePath());
        assertEquals(List.of(), violations.stream().distinct().toList());
    }

    @Test
    void theClassFileCheckerFlagsAFullyQualifiedReferenceAndTypesInSignaturesButNotStrings() {
        // package dro.backend; class Bad { java.util.List<dro.cli.Main> f; Object g = new dro.train.BeamSearch();
        //     dro.roles.Roles[] h; String s = "Ldro/eval/Evaluator;"; long l = 1L << 40; dro.Usage u; }
        byte[] bad = ClassFiles.synthetic(List.of(
                ClassFiles.utf8("dro/backend/Bad"), ClassFiles.classRef(1),
                ClassFiles.utf8("java/lang/Object"), ClassFiles.classRef(3),
                ClassFiles.utf8("Ljava/util/List<Ldro/cli/Main;>;"),
                ClassFiles.longConstant(1L << 40),
                ClassFiles.utf8("dro/train/BeamSearch$Node"), ClassFiles.classRef(8),
                ClassFiles.utf8("[Ldro/roles/Roles;"), ClassFiles.classRef(10),
                ClassFiles.utf8("Ldro/eval/Evaluator;"), ClassFiles.stringRef(12),
                ClassFiles.utf8("(Ldro/Usage;)V")));
        assertEquals(Set.of("dro.backend.Bad", "dro.cli.Main", "dro.train.BeamSearch", "dro.roles.Roles",
                "dro.Usage"), ClassFiles.referencedDroClasses(bad));
        assertEquals(List.of("dro.backend.Bad (layer 2) refers to dro.cli.Main (layer 7)",
                        "dro.backend.Bad (layer 2) refers to dro.roles.Roles (layer 4)",
                        "dro.backend.Bad (layer 2) refers to dro.train.BeamSearch (layer 5)"),
                classFileViolations("dro/backend/Bad", bad));
    }

    @Test
    void theClassFileCheckerKeepsEvaluationApartFromTrainingAndAllowsTheListedExceptions() {
        byte[] eval = ClassFiles.synthetic(List.of(ClassFiles.utf8("dro/eval/Bad$1"), ClassFiles.classRef(1),
                ClassFiles.utf8("dro/train/PathState"), ClassFiles.classRef(3)));
        assertEquals(List.of("dro.eval.Bad refers to dro.train.PathState, but dro.eval is kept apart from dro.train"),
                classFileViolations("dro/eval/Bad$1", eval));
        byte[] listed = ClassFiles.synthetic(List.of(ClassFiles.utf8("dro/GenerateOptions$Builder"),
                ClassFiles.classRef(1), ClassFiles.utf8("dro/icl/IclOrder"), ClassFiles.classRef(3)));
        assertEquals(List.of(), classFileViolations("dro/GenerateOptions$Builder", listed));
    }

    @Test
    void theClassFileCheckerReadsARealClass() throws IOException {
        Set<String> refs = ClassFiles.referencedDroClasses(
                Files.readAllBytes(Path.of("target/classes/dro/AutoModel.class")));
        assertTrue(refs.containsAll(Set.of("dro.AutoModel", "dro.backend.ChatModel", "dro.GenerateOptions")),
                refs.toString());
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
            String ipkg = packageOf(imported);
            check(cls, pkg, own, "imports", imported, ipkg, classOf(imported)).ifPresent(out::add);
        }
        return out;
    }

    /**
     * The layer violations of one compiled class, named by its binary name with slashes ({@code dro/eval/Bad$1}):
     * each dro class it refers to, counted for the top-level class it belongs to, in name order.
     */
    static List<String> classFileViolations(String binaryName, byte[] classFile) {
        String top = topLevel(binaryName.replace('/', '.'));
        String pkg = top.substring(0, top.lastIndexOf('.'));
        Integer own = layerOfClass(pkg, top);
        if (own == null) {
            return List.of(top + " is in a package with no layer: add it to LAYERS");
        }
        List<String> out = new ArrayList<>();
        for (String ref : new TreeSet<>(ClassFiles.referencedDroClasses(classFile))) {
            check(top, pkg, own, "refers to", ref, ref.substring(0, ref.lastIndexOf('.')), ref).ifPresent(out::add);
        }
        return out;
    }

    /** Whether {@code cls} (layer {@code own}) may use {@code used} (a top-level class {@code usedClass}). */
    private static java.util.Optional<String> check(String cls, String pkg, int own, String verb, String used,
            String usedPkg, String usedClass) {
        if (EXCEPTIONS.containsKey(cls + " -> " + used) || EXCEPTIONS.containsKey(cls + " -> " + usedClass)) {
            return java.util.Optional.empty();
        }
        Integer layer = layerOfClass(usedPkg, usedClass);
        if (layer == null) {
            return java.util.Optional.of(cls + " " + verb + " " + used + " from a package with no layer");
        }
        if (layer > own) {
            return java.util.Optional.of(cls + " (layer " + own + ") " + verb + " " + used + " (layer " + layer
                    + ")");
        }
        for (Map.Entry<String, String> e : SEPARATED.entrySet()) {
            if (within(pkg, e.getKey()) && within(usedPkg, e.getValue())) {
                return java.util.Optional.of(cls + " " + verb + " " + used + ", but " + e.getKey()
                        + " is kept apart from " + e.getValue());
            }
        }
        return java.util.Optional.empty();
    }

    /** The top-level class of a binary name ({@code dro.AutoModel} for {@code dro.AutoModel$Builder}). */
    static String topLevel(String binaryName) {
        int dollar = binaryName.indexOf('$', binaryName.lastIndexOf('.') + 1);
        return dollar < 0 ? binaryName : binaryName.substring(0, dollar);
    }

    /**
     * A reader of the one part of a class file this test needs, the constant pool (JVMS 4.4), and a writer of
     * synthetic class files for the checker's own tests.
     */
    static final class ClassFiles {

        private static final Pattern DESCRIBED = Pattern.compile("L(dro/[\\w/$]+)[;<]");

        private ClassFiles() {
        }

        /**
         * The dro classes (top-level, dotted) a class file refers to: its class entries (arrays included) and the
         * {@code L...;} types in its other UTF-8 entries (descriptors, generic signatures, annotations), leaving out
         * the entries that are string constants.
         */
        static Set<String> referencedDroClasses(byte[] classFile) {
            try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(
                    classFile))) {
                if (in.readInt() != 0xCAFEBABE) {
                    throw new IllegalArgumentException("not a class file (magic number)");
                }
                in.readUnsignedShort();
                in.readUnsignedShort();
                int count = in.readUnsignedShort();
                String[] utf8 = new String[count];
                List<Integer> classNames = new ArrayList<>();
                Set<Integer> strings = new java.util.HashSet<>();
                for (int i = 1; i < count; i++) {
                    int tag = in.readUnsignedByte();
                    switch (tag) {
                        case 1 -> utf8[i] = in.readUTF();
                        case 7 -> classNames.add(in.readUnsignedShort());
                        case 8 -> strings.add(in.readUnsignedShort());
                        case 16, 19, 20 -> in.readUnsignedShort();
                        case 15 -> in.skipNBytes(3);
                        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                        case 5, 6 -> {
                            in.skipNBytes(8);
                            i++; // a long or double takes two entries
                        }
                        default -> throw new IllegalArgumentException("unknown constant pool tag " + tag
                                + " at entry " + i);
                    }
                }
                Set<String> out = new java.util.HashSet<>();
                for (int index : classNames) {
                    String name = utf8[index];
                    if (name.startsWith("[")) {
                        addDescribed(name, out);
                    } else if (name.startsWith("dro/")) {
                        out.add(topLevel(name.replace('/', '.')));
                    }
                }
                for (int i = 1; i < count; i++) {
                    if (utf8[i] != null && !strings.contains(i)) {
                        addDescribed(utf8[i], out);
                    }
                }
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void addDescribed(String descriptor, Set<String> out) {
            Matcher m = DESCRIBED.matcher(descriptor);
            while (m.find()) {
                out.add(topLevel(m.group(1).replace('/', '.')));
            }
        }

        /** A class file holding these constant pool entries (from index 1), and nothing else of note. */
        static byte[] synthetic(List<byte[]> entries) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
                out.writeInt(0xCAFEBABE);
                out.writeShort(0);
                out.writeShort(61);
                int count = 1;
                for (byte[] e : entries) {
                    count += e[0] == 5 || e[0] == 6 ? 2 : 1;
                }
                out.writeShort(count);
                for (byte[] e : entries) {
                    out.write(e);
                }
                out.writeShort(0x0020); // access flags; this class, super class, no interfaces, fields, methods
                out.writeShort(2);
                out.writeShort(4);
                out.writeShort(0);
                out.writeShort(0);
                out.writeShort(0);
                out.writeShort(0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        static byte[] utf8(String s) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
                out.writeByte(1);
                out.writeUTF(s);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        static byte[] classRef(int nameIndex) {
            return new byte[] {7, (byte) (nameIndex >> 8), (byte) nameIndex};
        }

        static byte[] stringRef(int utf8Index) {
            return new byte[] {8, (byte) (utf8Index >> 8), (byte) utf8Index};
        }

        static byte[] longConstant(long value) {
            byte[] b = new byte[9];
            b[0] = 5;
            for (int i = 0; i < 8; i++) {
                b[8 - i] = (byte) (value >>> (8 * i));
            }
            return b;
        }
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
