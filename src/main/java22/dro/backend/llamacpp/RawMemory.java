package dro.backend.llamacpp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads and writes this process's native memory by address, for {@link DaemonAttach}: the Java 22+ version of the
 * multi-release jar ({@code META-INF/versions/22}), on the Foreign Function &amp; Memory API. The base version
 * ({@code src/main/java}) uses {@code sun.misc.Unsafe}, which Java 24 and later warn about and a later JDK will refuse.
 *
 * <p>Reading memory by address is a restricted method ({@link MemorySegment#reinterpret(long)}): with native access
 * enabled for dro4j's module ({@code --enable-native-access}) it is silent; without it, Java 24+ warns once per module
 * (on the class path the binding's own {@code System.load} has already drawn that warning), and
 * {@code --illegal-native-access=deny} refuses it with an {@link IllegalCallerException}. Java 22 and 23 warn about
 * restricted methods but not about {@code sun.misc.Unsafe}, so there, without native access, this uses
 * {@code sun.misc.Unsafe} and prints nothing.
 */
final class RawMemory {

    private final MemorySegment all;
    private final UnsafeMemory unsafe;

    private RawMemory(MemorySegment all, UnsafeMemory unsafe) {
        this.all = all;
        this.unsafe = unsafe;
    }

    /** The memory of this process, through the best API this JDK offers. */
    @SuppressWarnings("restricted") // the one restricted call, deliberate (see the class comment)
    static RawMemory open() throws ReflectiveOperationException {
        if (Runtime.version().feature() < 24 && !NativeAccess.enabled(RawMemory.class.getModule())) {
            return new RawMemory(null, new UnsafeMemory());
        }
        // The whole address space as one segment: an address is its own offset.
        return new RawMemory(MemorySegment.NULL.reinterpret(Long.MAX_VALUE), null);
    }

    /** Which API this uses, for logs. */
    String api() {
        return all != null ? "the Foreign Function & Memory API" : "sun.misc.Unsafe";
    }

    long getAddress(long address) throws ReflectiveOperationException {
        return all != null ? all.get(ValueLayout.JAVA_LONG_UNALIGNED, address) : unsafe.getAddress(address);
    }

    void putAddress(long address, long value) throws ReflectiveOperationException {
        if (all != null) {
            all.set(ValueLayout.JAVA_LONG_UNALIGNED, address, value);
        } else {
            unsafe.putAddress(address, value);
        }
    }

    /** {@code bytes} of fresh memory, never freed. */
    long allocate(long bytes) throws ReflectiveOperationException {
        return all != null ? Arena.global().allocate(bytes, 8).address() : unsafe.allocateMemory(bytes);
    }
}
