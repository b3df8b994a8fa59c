package dro.backend.llamacpp;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Native access: whether the JDK lets a module call restricted methods, and the {@code java} option that grants it.
 *
 * <p>Java 22 and later restrict the Foreign Function &amp; Memory API's unsafe methods, and Java 24 and later JNI's
 * {@code System.load} too: without {@code --enable-native-access} for the calling module they print a four-line
 * warning, and a later JDK will refuse them ({@code --illegal-native-access=deny} does today). The modules here are the
 * binding's ({@code llama}: it loads llama.cpp) and dro4j's ({@code RawMemory} reads llama.cpp's memory). On the class
 * path both are the unnamed module, granted by {@code --enable-native-access=ALL-UNNAMED}; an executable jar's
 * manifest can carry {@code Enable-Native-Access: ALL-UNNAMED} instead, and dro4j's does.
 */
final class NativeAccess {

    /** {@code Module.isNativeAccessEnabled()}, Java 22+; null before. Found reflectively: the base release is 17. */
    private static final Method IS_ENABLED = find();

    private NativeAccess() { }

    private static Method find() {
        if (Runtime.version().feature() < 22) {
            return null;
        }
        try {
            return Module.class.getMethod("isNativeAccessEnabled");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /**
     * Whether {@code module} may call restricted methods without a warning; always on a JDK without the check. Ask
     * before the first call: after warning about a module, the JDK grants it native access.
     */
    static boolean enabled(Module module) {
        if (IS_ENABLED == null) {
            return true;
        }
        try {
            return (boolean) IS_ENABLED.invoke(module);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot ask whether " + module + " has native access", e);
        }
    }

    /** Whether this JDK restricts JNI's {@code System.load} as well (Java 24+), so that loading llama.cpp warns. */
    static boolean restrictsJni() {
        return Runtime.version().feature() >= 24;
    }

    /** The option that grants native access to the modules of {@code classes} that lack it, if any do. */
    static Optional<String> flagFor(Class<?>... classes) {
        return flagFor(List.of(classes).stream().map(Class::getModule).toList(), NativeAccess::enabled);
    }

    /**
     * {@code --enable-native-access=} followed by the names of those {@code modules} that are not {@code enabled}
     * ({@code ALL-UNNAMED} for an unnamed one), in order and each once; empty when all are.
     */
    static Optional<String> flagFor(Collection<Module> modules, Predicate<Module> enabled) {
        Set<String> names = new LinkedHashSet<>();
        for (Module m : modules) {
            if (!enabled.test(m)) {
                names.add(m.isNamed() ? m.getName() : "ALL-UNNAMED");
            }
        }
        return names.isEmpty() ? Optional.empty() : Optional.of("--enable-native-access=" + String.join(",", names));
    }
}
