package dro.backend.llamacpp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the native threads of {@code de.kherud:llama} 4.2.0 attach to the JVM as daemon threads, so that they do not
 * keep the JVM from exiting.
 *
 * <h2>Why</h2>
 * Loading a model starts a C++ {@code std::thread} (llama.cpp's task loop) that attaches itself to the JVM with JNI's
 * {@code AttachCurrentThread}, i.e. as a non-daemon thread, and never calls {@code DetachCurrentThread}: not when
 * {@code LlamaModel.close()} ends the loop, not when the thread ends. The JVM counts it as a live non-daemon thread
 * forever, so a program that returns from {@code main} hangs in {@code DestroyJavaVM} (the binding's issue #116).
 * Java cannot turn an attached thread into a daemon, and dro4j ships no native code.
 *
 * <h2>How</h2>
 * The binding reaches the JVM only through its own global {@code JavaVM*} ({@code g_vm}, set in {@code JNI_OnLoad}).
 * After the library is loaded, and before any model starts a thread, this class points that global at a copy of the
 * JVM's invocation table whose {@code AttachCurrentThread} entry is the JVM's own
 * {@code AttachCurrentThreadAsDaemon} (same signature; the JVM does not read the {@code JavaVM*} argument of either).
 * Only the binding is affected; the JVM's table is left alone.
 *
 * <p>It is done only where every step can be verified: an ELF library (Linux, x86-64 or AArch64) whose symbol table
 * names {@code g_vm}, a single 8-byte object, mapped once into this process; the pointer found there leads, through
 * {@code libjvm.so}'s data (a HotSpot JVM), to a table whose five functions all lie in the executable code of
 * {@code libjvm.so}. Anything else leaves the binding untouched
 * (and the JVM then needs {@link System#exit(int)} to end), with one warning. The system property
 * {@code dro4j.native.daemonThreads=false} turns it off.
 *
 * <p>Memory is read and written through {@link RawMemory}: the Foreign Function &amp; Memory API on Java 22 and later
 * (the jar's {@code META-INF/versions/22}), {@code sun.misc.Unsafe} before. Where the JDK allows neither (native
 * access denied to dro4j's module, {@code sun.misc.Unsafe}'s memory access refused), the same one warning names the
 * refusal and the remedy.
 */
final class DaemonAttach {

    private static final Logger log = LoggerFactory.getLogger(DaemonAttach.class);
    /** {@code (anonymous namespace)::g_vm} in jllama.cpp. */
    static final String G_VM = "_ZN12_GLOBAL__N_14g_vmE";
    /** JNIInvokeInterface_: reserved0..2, DestroyJavaVM, AttachCurrentThread, DetachCurrentThread, GetEnv, AsDaemon. */
    private static final int TABLE_ENTRIES = 8;
    private static final int ATTACH = 4;
    private static final int ATTACH_AS_DAEMON = 7;

    /** What happened, for logs and tests. */
    enum Outcome { APPLIED, DISABLED, UNSUPPORTED }

    private DaemonAttach() { }

    /**
     * Patches the loaded binding at {@code library} (its real path). Call once, after the library is loaded and
     * before any model is.
     */
    static Outcome apply(Path library) {
        String prop = System.getProperty("dro4j.native.daemonThreads");
        if (prop != null && !Boolean.parseBoolean(prop)) {
            return Outcome.DISABLED;
        }
        try {
            String why = patch(library.toRealPath());
            if (why == null) {
                return Outcome.APPLIED;
            }
            log.warn("llama.cpp's task thread will keep this JVM alive after main returns ({}); end the program with"
                    + " System#exit (docs/NATIVE-AND-GPU.md#exiting-the-jvm)", why);
        } catch (IllegalCallerException e) {
            log.warn("llama.cpp's task thread will keep this JVM alive after main returns (the JDK denies native access"
                    + " to {}: {}); add {} to the java command, or end the program with System#exit"
                    + " (docs/NATIVE-AND-GPU.md#exiting-the-jvm)", DaemonAttach.class.getModule(), e.getMessage(),
                    NativeAccess.flagFor(List.of(DaemonAttach.class.getModule()), m -> false).orElseThrow());
        } catch (IOException | ReflectiveOperationException | RuntimeException e) {
            log.warn("llama.cpp's task thread will keep this JVM alive after main returns (cannot patch {}: {}); end"
                    + " the program with System#exit (docs/NATIVE-AND-GPU.md#exiting-the-jvm)", library, e.toString());
        }
        return Outcome.UNSUPPORTED;
    }

    /** Null when patched, else why not. */
    private static String patch(Path library) throws IOException, ReflectiveOperationException {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            return "supported on 64-bit Linux only";
        }
        long offset = symbolOffset(library, G_VM);
        if (offset < 0) {
            return library.getFileName() + " has no symbol " + G_VM;
        }
        List<Mapping> maps = Mapping.readSelf();
        Long base = null;
        for (Mapping m : maps) {
            if (m.path.equals(library.toString()) && m.fileOffset == 0 && m.perms.endsWith("p")) {
                if (base != null) {
                    return library + " is mapped more than once";
                }
                base = m.start;
            }
        }
        if (base == null) {
            return library + " is not loaded";
        }
        long gvm = base + offset;
        if (!inside(maps, gvm, 8, "rw", library.toString())) {
            return G_VM + " is not in a writable mapping of the library";
        }
        RawMemory u = RawMemory.open();
        long vm = u.getAddress(gvm);
        if (vm == 0) {
            return "the library is not initialised";
        }
        if (!inside(maps, vm, 8, "r", "/libjvm.so")) {
            return "its JavaVM pointer does not point into libjvm";
        }
        long table = u.getAddress(vm);
        if (!inside(maps, table, 8L * TABLE_ENTRIES, "r", "/libjvm.so")) {
            return "its JavaVM's table is not in libjvm";
        }
        long[] entries = new long[TABLE_ENTRIES];
        for (int i = 0; i < TABLE_ENTRIES; i++) {
            entries[i] = u.getAddress(table + 8L * i);
        }
        for (int i = 3; i < TABLE_ENTRIES; i++) {
            if (!inside(maps, entries[i], 1, "x", "/libjvm.so")) {
                return "the JavaVM it points to is not the JVM's (entry " + i + ")";
            }
        }
        // A JavaVM (one pointer) followed by its table; never freed: the binding keeps using it.
        long copy = u.allocate(8L * (1 + TABLE_ENTRIES));
        for (int i = 0; i < TABLE_ENTRIES; i++) {
            u.putAddress(copy + 8L * (1 + i), i == ATTACH ? entries[ATTACH_AS_DAEMON] : entries[i]);
        }
        u.putAddress(copy, copy + 8);
        u.putAddress(gvm, copy);
        log.debug("llama.cpp's native threads attach to the JVM as daemon threads (patched through {})", u.api());
        return null;
    }

    private static boolean inside(List<Mapping> maps, long address, long length, String perms, String pathSuffix) {
        for (Mapping m : maps) {
            if (address >= m.start && address + length <= m.end && m.path.endsWith(pathSuffix)) {
                for (char c : perms.toCharArray()) {
                    if (m.perms.indexOf(c) < 0) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    /**
     * The value of a defined 8-byte object symbol in a 64-bit little-endian ELF shared object, from its static or
     * dynamic symbol table, or -1. The library's lowest loadable segment must start at address 0, so that the value
     * is an offset from where the library is mapped.
     */
    static long symbolOffset(Path elf, String name) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(elf)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < 64 || b.getInt(0) != 0x464c457f || b.get(4) != 2 || b.get(5) != 1
                || b.getShort(16) != 3 /* ET_DYN */) {
            return -1;
        }
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff;
        int phnum = b.getShort(56) & 0xffff;
        long lowest = Long.MAX_VALUE;
        for (int i = 0; i < phnum; i++) {
            int p = (int) (phoff + (long) i * phentsize);
            if (b.getInt(p) == 1 /* PT_LOAD */) {
                lowest = Math.min(lowest, b.getLong(p + 16));
            }
        }
        if (lowest != 0) {
            return -1;
        }
        long shoff = b.getLong(40);
        int shentsize = b.getShort(58) & 0xffff;
        int shnum = b.getShort(60) & 0xffff;
        byte[] wanted = name.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < shnum; i++) {
            int s = (int) (shoff + (long) i * shentsize);
            int type = b.getInt(s + 4);
            if (type != 2 /* SHT_SYMTAB */ && type != 11 /* SHT_DYNSYM */) {
                continue;
            }
            long symOff = b.getLong(s + 24);
            long symSize = b.getLong(s + 32);
            int link = b.getInt(s + 40);
            long entSize = b.getLong(s + 56);
            long strOff = b.getLong((int) (shoff + (long) link * shentsize) + 24);
            for (long e = symOff; e + entSize <= symOff + symSize; e += entSize) {
                int st = (int) e;
                int info = b.get(st + 4) & 0xff;
                int shndx = b.getShort(st + 6) & 0xffff;
                if ((info & 0xf) == 1 /* STT_OBJECT */ && shndx != 0 && b.getLong(st + 16) == 8
                        && nameIs(b, (int) (strOff + (b.getInt(st) & 0xffffffffL)), wanted)) {
                    return b.getLong(st + 8);
                }
            }
        }
        return -1;
    }

    private static boolean nameIs(ByteBuffer b, int at, byte[] wanted) {
        if (at + wanted.length >= b.limit()) {
            return false;
        }
        for (int i = 0; i < wanted.length; i++) {
            if (b.get(at + i) != wanted[i]) {
                return false;
            }
        }
        return b.get(at + wanted.length) == 0;
    }

    /** One line of /proc/self/maps. */
    private record Mapping(long start, long end, String perms, long fileOffset, String path) {
        static List<Mapping> readSelf() throws IOException {
            List<Mapping> out = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.UTF_8)) {
                String[] f = line.trim().split("\\s+", 6);
                if (f.length < 5) {
                    continue;
                }
                String[] range = f[0].split("-");
                out.add(new Mapping(Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16), f[1],
                        Long.parseUnsignedLong(f[2], 16), f.length == 6 ? f[5] : ""));
            }
            return out;
        }
    }
}
