package dro.backend.llamacpp;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The few methods of {@code sun.misc.Unsafe} that {@link RawMemory} uses where the Foreign Function &amp; Memory API is
 * not there (Java 17 to 21) or would warn (Java 22 and 23 without native access), found reflectively (module
 * {@code jdk.unsupported}). Java 24 and later warn on their first use, and a later JDK will refuse them.
 */
final class UnsafeMemory {
    private final Object unsafe;
    private final Method getAddress;
    private final Method putAddress;
    private final Method allocateMemory;

    UnsafeMemory() throws ReflectiveOperationException {
        Class<?> c = Class.forName("sun.misc.Unsafe");
        Field f = c.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        unsafe = f.get(null);
        getAddress = c.getMethod("getAddress", long.class);
        putAddress = c.getMethod("putAddress", long.class, long.class);
        allocateMemory = c.getMethod("allocateMemory", long.class);
    }

    long getAddress(long address) throws ReflectiveOperationException {
        return (long) call(getAddress, address);
    }

    void putAddress(long address, long value) throws ReflectiveOperationException {
        call(putAddress, address, value);
    }

    long allocateMemory(long bytes) throws ReflectiveOperationException {
        return (long) call(allocateMemory, bytes);
    }

    /** Invokes, rethrowing what the method itself threw (a JDK that refuses the call throws it unwrapped). */
    private Object call(Method m, Object... args) throws ReflectiveOperationException {
        try {
            return m.invoke(unsafe, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }
}
