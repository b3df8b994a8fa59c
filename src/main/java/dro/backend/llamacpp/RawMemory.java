package dro.backend.llamacpp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes this process's native memory by address, for {@link DaemonAttach}.
 *
 * <p>This is the version for Java 17 to 21, on {@code sun.misc.Unsafe} ({@link UnsafeMemory}). The jar holds a
 * second version under {@code META-INF/versions/22} (source {@code src/main/java22}, on the Foreign Function &amp;
 * Memory API), which Java 22 and later load instead: a multi-release jar. This one runs on Java 22+ only from a jar built
 * with a JDK older than 22 (which has no {@code versions/22} classes) or from a class directory; on Java 24+ that
 * costs the JDK's {@code sun.misc.Unsafe} warning, which a WARN here explains.
 */
final class RawMemory {

    private static final Logger log = LoggerFactory.getLogger(RawMemory.class);

    private final UnsafeMemory unsafe;

    private RawMemory(UnsafeMemory unsafe) {
        this.unsafe = unsafe;
    }

    /** The memory of this process, through the best API this JDK and this build offer. */
    static RawMemory open() throws ReflectiveOperationException {
        if (Runtime.version().feature() >= 24) {
            log.warn("This dro4j build has no Java 22 classes (built with a JDK older than 22): it reaches llama.cpp"
                    + " through sun.misc.Unsafe, which the JDK warns about; use a dro4j jar built with JDK 22 or"
                    + " later");
        }
        return new RawMemory(new UnsafeMemory());
    }

    /** Which API this uses, for logs. */
    String api() {
        return "sun.misc.Unsafe";
    }

    long getAddress(long address) throws ReflectiveOperationException {
        return unsafe.getAddress(address);
    }

    void putAddress(long address, long value) throws ReflectiveOperationException {
        unsafe.putAddress(address, value);
    }

    /** {@code bytes} of fresh memory, never freed. */
    long allocate(long bytes) throws ReflectiveOperationException {
        return unsafe.allocateMemory(bytes);
    }
}
