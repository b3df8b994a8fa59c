package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.backend.ChatModel;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module's public face (module-info.java's {@code exports}, docs/JAVA-MODULE.md "What is exported"): at most
 * {@value #MAX_EXPORTED} public top-level types, each listed in the page's table with the reason it is there, and no
 * exported signature that names a type a user cannot reach (a class of a package that is not exported, or one that is
 * not public), and no exported model that lets a caller past {@code ChatModel}'s capability check (its hooks stay
 * protected, its calls final). The types are read from the current build ({@code target/classes}), the exports from
 * the source.
 */
class PublicApiTest {

    /** The ceiling of issue 19: a user meets a small API; what only the CLI or the runs use stays inside. */
    static final int MAX_EXPORTED = 100;

    private static final Pattern EXPORTS = Pattern.compile("^\\s*exports\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([\\w.]+)`\\s*\\|\\s*(.*?)\\s*\\|\\s*$",
            Pattern.MULTILINE);

    @Test
    void theModuleExportsAtMostAHundredPublicTopLevelTypes() throws IOException {
        Set<String> exported = exportedTypes();
        assertTrue(exported.size() > 20, "only " + exported + ": is the working directory the project?");
        assertTrue(exported.size() <= MAX_EXPORTED, exported.size() + " exported public top-level types, more than "
                + MAX_EXPORTED + ": " + exported);
    }

    @Test
    void everyExportedTypeIsListedWithItsReasonInJavaModuleMd() throws IOException {
        Map<String, String> listed = listedTypes(Files.readString(Path.of("docs/JAVA-MODULE.md")));
        Set<String> exported = exportedTypes();
        List<String> problems = new ArrayList<>();
        for (String type : exported) {
            if (!listed.containsKey(type)) {
                problems.add(type + " is exported but not listed in docs/JAVA-MODULE.md");
            } else if (listed.get(type).isBlank()) {
                problems.add(type + " is listed in docs/JAVA-MODULE.md without a reason");
            }
        }
        for (String type : listed.keySet()) {
            if (!exported.contains(type)) {
                problems.add(type + " is listed in docs/JAVA-MODULE.md but not exported");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void noExportedSignatureNamesATypeAUserCannotReach() throws Exception {
        Set<String> packages = exportedPackages();
        List<String> leaks = new ArrayList<>();
        for (String name : exportedTypes()) {
            leaks.addAll(leaks(Class.forName(name, false, getClass().getClassLoader()), packages));
        }
        assertEquals(List.of(), leaks.stream().distinct().toList());
    }

    @Test
    void noCallerOfAnExportedModelReachesTheHooksThatSkipTheCapabilityCheck() throws Exception {
        List<String> open = new ArrayList<>();
        int models = 0;
        for (String name : exportedTypes()) {
            Class<?> c = Class.forName(name, false, getClass().getClassLoader());
            if (!ChatModel.class.isAssignableFrom(c)) {
                continue;
            }
            models++;
            for (Method m : c.getMethods()) { // the public ones, inherited included
                if (Set.of("doChat", "doStream", "doChatAll").contains(m.getName())) {
                    open.add(name + "." + m.getName() + " is public");
                }
            }
        }
        assertTrue(models >= 5, "only " + models + " exported ChatModel types");
        for (Method m : ChatModel.class.getMethods()) {
            if (Set.of("chat", "stream", "chatAll", "chatAllSharingPrefixes").contains(m.getName())
                    && !Modifier.isFinal(m.getModifiers())) {
                open.add("ChatModel." + m.getName() + " can be overridden past the check");
            }
        }
        assertEquals(List.of(), open);
    }

    @Test
    void theTableReaderTakesTypeRowsAndTheLeakCheckFlagsAHiddenType() {
        assertEquals(Map.of("dro.AutoModel", "the facade", "dro.Usage", ""),
                listedTypes("| Type | Why |\n| --- | --- |\n| `dro.AutoModel` | the facade |\n| `dro.Usage` |  |\n"
                        + "| `not.a.Type` is prose |\n"));
        assertEquals(List.of("dro.PublicApiTest$Leaky.hidden() names dro.PublicApiTest$Hidden, which is not public"),
                leaks(Leaky.class, Set.of("dro")));
    }

    /** For the checker's own test: a public type whose public method hands out a type that is not public. */
    public static final class Leaky {
        private Leaky() {
        }

        public Hidden hidden() {
            return null;
        }
    }

    static final class Hidden {
    }

    /** The {@code exports} of src/main/java/module-info.java (unqualified ones: a user's module reads them). */
    static Set<String> exportedPackages() throws IOException {
        String module = Files.readString(Path.of("src/main/java/module-info.java"));
        Set<String> out = new TreeSet<>();
        Matcher m = EXPORTS.matcher(module);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The public top-level types of the exported packages, from the compiled classes. */
    static Set<String> exportedTypes() throws IOException {
        Set<String> out = new TreeSet<>();
        for (String pkg : exportedPackages()) {
            Path dir = Path.of("target/classes", pkg.replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                    String simple = f.getFileName().toString().replace(".class", "");
                    if (simple.contains("$") || simple.equals("package-info")
                            || !Files.exists(Path.of("src/main/java", pkg.replace('.', '/'), simple + ".java"))) {
                        continue; // nested, or stale: its source is gone since the last clean build
                    }
                    try {
                        Class<?> c = Class.forName(pkg + "." + simple, false, PublicApiTest.class.getClassLoader());
                        if (Modifier.isPublic(c.getModifiers())) {
                            out.add(c.getName());
                        }
                    } catch (ClassNotFoundException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return out;
    }

    /** The table rows of docs/JAVA-MODULE.md that name a type: {@code | `dro.X` | reason |}. */
    static Map<String, String> listedTypes(String page) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = ROW.matcher(page);
        while (m.find()) {
            out.put(m.group(1), m.group(2));
        }
        return out;
    }

    /**
     * Where a public type and its public nested types name, in a signature a user sees (supertypes, public and
     * protected constructors, methods, fields, record components, with their generic arguments and bounds), a dro
     * type that is not public or whose package is not exported.
     */
    static List<String> leaks(Class<?> type, Set<String> exported) {
        List<String> out = new ArrayList<>();
        List<Map.Entry<String, Type>> seen = new ArrayList<>();
        if (type.getGenericSuperclass() != null) {
            seen.add(Map.entry(type.getName(), type.getGenericSuperclass()));
        }
        for (Type t : type.getGenericInterfaces()) {
            seen.add(Map.entry(type.getName(), t));
        }
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (visible(c)) {
                addExecutable(type.getName() + ".<init>", c, seen);
            }
        }
        for (Method m : type.getDeclaredMethods()) {
            if (visible(m) && !m.isSynthetic() && !m.isBridge()) {
                addExecutable(type.getName() + "." + m.getName() + "()", m, seen);
            }
        }
        for (Field f : type.getDeclaredFields()) {
            if (visible(f)) {
                seen.add(Map.entry(type.getName() + "." + f.getName(), f.getGenericType()));
            }
        }
        if (type.isRecord()) {
            for (RecordComponent rc : type.getRecordComponents()) {
                seen.add(Map.entry(type.getName() + "." + rc.getName() + "()", rc.getGenericType()));
            }
        }
        for (Map.Entry<String, Type> e : seen) {
            Set<Class<?>> named = new java.util.LinkedHashSet<>();
            collect(e.getValue(), named, new java.util.HashSet<>());
            for (Class<?> c : named) {
                String why = unreachable(c, exported);
                if (why != null) {
                    out.add(e.getKey() + " names " + c.getName() + ", which " + why);
                }
            }
        }
        for (Class<?> nested : type.getDeclaredClasses()) {
            if (Modifier.isPublic(nested.getModifiers()) || Modifier.isProtected(nested.getModifiers())) {
                out.addAll(leaks(nested, exported));
            }
        }
        return out;
    }

    private static void addExecutable(String key, Executable x, List<Map.Entry<String, Type>> seen) {
        for (Type t : x.getGenericParameterTypes()) {
            seen.add(Map.entry(key, t));
        }
        for (Type t : x.getGenericExceptionTypes()) {
            seen.add(Map.entry(key, t));
        }
        for (TypeVariable<?> v : x.getTypeParameters()) {
            seen.add(Map.entry(key, v));
        }
        if (x instanceof Method m) {
            seen.add(Map.entry(key, m.getGenericReturnType()));
        }
    }

    private static boolean visible(Member m) {
        return Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers())
                && !Modifier.isFinal(m.getDeclaringClass().getModifiers());
    }

    private static String unreachable(Class<?> c, Set<String> exported) {
        while (c.isArray()) {
            c = c.getComponentType();
        }
        if (c.isPrimitive() || !c.getName().startsWith("dro.")) {
            return null;
        }
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers())) {
                return "is not public";
            }
        }
        return exported.contains(c.getPackageName()) ? null : "is in " + c.getPackageName() + ", not exported";
    }

    private static void collect(Type t, Set<Class<?>> out, Set<Type> visiting) {
        if (!visiting.add(t)) {
            return;
        }
        if (t instanceof Class<?> c) {
            out.add(c);
        } else if (t instanceof ParameterizedType p) {
            collect(p.getRawType(), out, visiting);
            if (p.getOwnerType() != null) {
                collect(p.getOwnerType(), out, visiting);
            }
            for (Type a : p.getActualTypeArguments()) {
                collect(a, out, visiting);
            }
        } else if (t instanceof GenericArrayType g) {
            collect(g.getGenericComponentType(), out, visiting);
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                collect(b, out, visiting);
            }
            for (Type b : w.getLowerBounds()) {
                collect(b, out, visiting);
            }
        } else if (t instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) {
                collect(b, out, visiting);
            }
        }
    }
}
