package dro.compat.internal;

import dro.compat.UnsafePickleException;
import dro.compat.ArtifactException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Python pickles (protocols 2 to 5) as plain data, without running any code: a small pickle machine written
 * for dro4j, not Python's.
 *
 * <h2>What comes out</h2>
 * {@code None} is {@code null}; {@code bool}, {@code int}, {@code float}, {@code str}, {@code bytes} are
 * {@link Boolean}, {@link Long} (or {@link BigInteger}), {@link Double}, {@link String}, {@code byte[]}; a list is a
 * mutable {@link List}, a tuple an unmodifiable one; a dict (also {@code OrderedDict}, {@code defaultdict}) a
 * {@link LinkedHashMap} in pickle order; a set a {@link LinkedHashSet}; an instance of an allowed class a
 * {@link PyObject}; a class named as a value a {@link PyGlobal}. Shared and cyclic references are kept as such.
 *
 * <h2>Safety</h2>
 * {@code GLOBAL} and {@code STACK_GLOBAL} may only name the {@linkplain #allowedGlobals() allowlist}; any other name
 * ({@code posix.system}, {@code builtins.eval}, ...) stops the reader with an {@link UnsafePickleException} before
 * anything else happens. Calls ({@code REDUCE}, {@code NEWOBJ}, {@code BUILD}) only ever build the plain values
 * above. Every length is checked against the data before anything is allocated; truncated or malformed data fails
 * with an {@link ArtifactException} naming the source and the byte. Persistent ids, extension codes and out-of-band
 * buffers are not supported.
 *
 * <h2>Work bounded by the bytes read</h2>
 * A pickle's memo lets a few bytes refer to one list many times, so that a nested list of depth 40 built from 254
 * bytes has 2^40 paths: loading it is quick, but anything that walks it element by element ({@code hashCode},
 * {@code equals}, {@code toString}, writing it as JSON) never ends. Before {@code load} returns, it therefore counts
 * the values such a walk meets (each list, tuple, dict, set and value once per reference, a string one more per 16
 * characters; a {@link PyObject} once, as Java compares and hashes it by identity, its arguments and attributes once
 * more) and refuses the pickle with an
 * {@link ArtifactException} when they are more than {@value #MAX_VALUES_PER_BYTE} per byte read (plus
 * {@value #MAX_VALUES_FREE}), when containers nest more than {@value #MAX_NESTING} deep, or when a list, tuple, dict
 * or set contains itself. The original's {@code output.pkl} files hold about one such value per 5 bytes, nested 4
 * deep, and share only their objects and a few lists of them. Copies that the pickle asks for (a {@code list(...)}
 * of a long list, again and again) and dict keys (at most {@value #MAX_KEY_VALUES} values each) count against the
 * same bound while reading. Integers are read up to {@value #MAX_INTEGER_BYTES} bytes.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class SafeUnpickler {

    /** The classes of the original DRO's {@code output.pkl}: named tuples and plain objects. */
    public static final Set<String> DRO_CLASSES = Set.of(
            "reasoner.search_algo.beam_search.BeamSearchResult",
            "reasoner.search_algo.beam_search.BeamSearchNode",
            "prompt_align.world_model.SubResult");

    /** Containers and helpers that standard pickles name, all of them rebuilt here as plain data. */
    public static final Set<String> BASIC_GLOBALS = Set.of(
            "collections.OrderedDict", "collections.defaultdict",
            "copyreg._reconstructor", "copyreg.__newobj__", "_codecs.encode",
            "builtins.object", "builtins.list", "builtins.dict", "builtins.tuple", "builtins.set",
            "builtins.frozenset");

    /** Largest pickle file {@link #load(Path)} reads. */
    public static final long MAX_FILE_BYTES = 1L << 30;

    /** Values a walk of what a pickle gives may meet per byte read (see the class comment). */
    public static final int MAX_VALUES_PER_BYTE = 16;

    /** Values a walk may meet beyond {@link #MAX_VALUES_PER_BYTE} per byte, for the smallest pickles. */
    public static final int MAX_VALUES_FREE = 4096;

    /** How deep lists, tuples, dicts and sets may nest (objects between them start again at 0). */
    public static final int MAX_NESTING = 100;

    /** Values in one dict key or set member (a tuple of tuples...). */
    public static final int MAX_KEY_VALUES = 1000;

    /** Largest integer read ({@code LONG4}, or a text {@code INT}/{@code LONG} of three times as many digits). */
    public static final int MAX_INTEGER_BYTES = 4096;

    private final Set<String> allowed;

    /**
     * An unpickler that allows these classes (as {@code module.name}) besides {@link #BASIC_GLOBALS}. Instances of
     * them become {@link PyObject}s.
     */
    public SafeUnpickler(Set<String> allowedClasses) {
        Set<String> all = new LinkedHashSet<>(BASIC_GLOBALS);
        all.addAll(allowedClasses);
        this.allowed = Collections.unmodifiableSet(all);
    }

    /** An unpickler for the original DRO's files ({@link #DRO_CLASSES}). */
    public static SafeUnpickler forDro() {
        return new SafeUnpickler(DRO_CLASSES);
    }

    public Set<String> allowedGlobals() {
        return allowed;
    }

    /**
     * Reads a pickle file.
     *
     * @throws ArtifactException       if it is missing, too large, truncated or malformed
     * @throws UnsafePickleException if it names a global outside the allowlist
     */
    public Object load(Path file) {
        byte[] data;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ArtifactException("Pickle " + file.toAbsolutePath() + " is " + size + " bytes, more than the "
                        + MAX_FILE_BYTES + " dro4j reads");
            }
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ArtifactException("Pickle file not found: " + file.toAbsolutePath());
        } catch (IOException e) {
            throw new ArtifactException("Cannot read pickle " + file.toAbsolutePath() + ": " + e, e);
        }
        return load(data, file.toAbsolutePath().toString());
    }

    /**
     * Reads pickled bytes; {@code source} names them in error messages.
     *
     * @throws ArtifactException       if they are truncated or malformed
     * @throws UnsafePickleException if they name a global outside the allowlist
     */
    public Object load(byte[] data, String source) {
        return new Machine(data, source).run();
    }

    private final class Machine {
        private final byte[] data;
        private final String source;
        private int pos;
        private int opStart;
        private String opName = "";
        private List<Object> stack = new ArrayList<>();
        private final List<List<Object>> metastack = new ArrayList<>();
        private final Map<Long, Object> memo = new HashMap<>();
        /** The values a walk may meet, and the copying and key checking work the reading may do. */
        private final long maxValues;
        private long work;

        Machine(byte[] data, String source) {
            this.data = data;
            this.source = source;
            this.maxValues = (long) MAX_VALUES_PER_BYTE * data.length + MAX_VALUES_FREE;
        }

        Object run() {
            while (true) {
                opStart = pos;
                if (pos >= data.length) {
                    opName = "";
                    throw truncated("before the STOP opcode");
                }
                int op = data[pos++] & 0xff;
                opName = opName(op);
                switch (op) {
                    case 0x80 -> { // PROTO
                        int proto = u8();
                        if (proto > 5) {
                            throw malformed("unsupported pickle protocol " + proto + " (0 to 5 are known)");
                        }
                    }
                    case 0x95 -> { // FRAME: frames are contiguous here; only check the length
                        long len = u64();
                        if (len < 0 || len > data.length - pos) {
                            throw truncated("(a frame of " + Long.toUnsignedString(len) + " bytes, "
                                    + (data.length - pos) + " left)");
                        }
                    }
                    case '.' -> { // STOP
                        if (stack.size() != 1 || !metastack.isEmpty()) {
                            throw malformed("STOP with " + stack.size() + " values on the stack"
                                    + (metastack.isEmpty() ? "" : " and an open MARK"));
                        }
                        Object result = stack.get(0);
                        new Walk().check(result);
                        return result;
                    }
                    case '(' -> { // MARK
                        metastack.add(stack);
                        stack = new ArrayList<>();
                    }
                    case '0' -> pop(); // POP
                    case '1' -> popMark(); // POP_MARK
                    case '2' -> push(peek()); // DUP
                    case 'N' -> push(null);
                    case 0x88 -> push(Boolean.TRUE);
                    case 0x89 -> push(Boolean.FALSE);
                    case 'K' -> push((long) u8()); // BININT1
                    case 'M' -> push((long) (u8() | (u8() << 8))); // BININT2
                    case 'J' -> push((long) i32()); // BININT
                    case 'I' -> pushTextInt(line());
                    case 'L' -> pushTextLong(line());
                    case 0x8a -> push(longFromBytes(bytes(u8()))); // LONG1
                    case 0x8b -> push(longFromBytes(bytes(integerLength(length(i32()))))); // LONG4
                    case 'G' -> push(Double.longBitsToDouble(be64())); // BINFLOAT
                    case 'F' -> pushTextFloat(line());
                    case 0x8c -> push(utf8(bytes(u8()))); // SHORT_BINUNICODE
                    case 'X' -> push(utf8(bytes(length(u32())))); // BINUNICODE
                    case 0x8d -> push(utf8(bytes(length(u64())))); // BINUNICODE8
                    case 'U' -> push(latin1(bytes(u8()))); // SHORT_BINSTRING (Python 2 str)
                    case 'T' -> push(latin1(bytes(length(i32())))); // BINSTRING
                    case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                    case 'B' -> push(bytes(length(u32()))); // BINBYTES
                    case 0x8e -> push(bytes(length(u64()))); // BINBYTES8
                    case 0x96 -> push(bytes(length(u64()))); // BYTEARRAY8
                    case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                    case 'l' -> push(new ArrayList<>(popMark())); // LIST
                    case 'a' -> { // APPEND
                        Object v = pop();
                        list(peek()).add(v);
                    }
                    case 'e' -> { // APPENDS
                        List<Object> items = popMark();
                        list(peek()).addAll(items);
                    }
                    case ')' -> push(tuple(List.of())); // EMPTY_TUPLE
                    case 't' -> push(tuple(popMark())); // TUPLE
                    case 0x85 -> push(tuple(popN(1)));
                    case 0x86 -> push(tuple(popN(2)));
                    case 0x87 -> push(tuple(popN(3)));
                    case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                    case 'd' -> { // DICT
                        Map<Object, Object> m = new LinkedHashMap<>();
                        putAll(m, popMark());
                        push(m);
                    }
                    case 's' -> { // SETITEM
                        Object v = pop();
                        Object k = pop();
                        dict(peek()).put(hashable(k), v);
                    }
                    case 'u' -> { // SETITEMS
                        List<Object> items = popMark();
                        putAll(dict(peek()), items);
                    }
                    case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                    case 0x90 -> { // ADDITEMS
                        List<Object> items = popMark();
                        Set<Object> s = set(peek());
                        for (Object o : items) {
                            s.add(hashable(o));
                        }
                    }
                    case 0x91 -> { // FROZENSET
                        Set<Object> s = new LinkedHashSet<>();
                        for (Object o : popMark()) {
                            s.add(hashable(o));
                        }
                        push(Collections.unmodifiableSet(s));
                    }
                    case 'c' -> push(global(line(), line())); // GLOBAL
                    case 0x93 -> { // STACK_GLOBAL
                        Object name = pop();
                        Object module = pop();
                        if (!(module instanceof String m) || !(name instanceof String n)) {
                            throw malformed("STACK_GLOBAL needs two strings");
                        }
                        push(global(m, n));
                    }
                    case 'R' -> { // REDUCE
                        Object args = pop();
                        Object callable = pop();
                        push(reduce(callable, args));
                    }
                    case 0x81 -> { // NEWOBJ
                        Object args = pop();
                        Object cls = pop();
                        push(newObject(cls, args, null));
                    }
                    case 0x92 -> { // NEWOBJ_EX
                        Object kwargs = pop();
                        Object args = pop();
                        Object cls = pop();
                        push(newObject(cls, args, kwargs));
                    }
                    case 'b' -> { // BUILD
                        Object state = pop();
                        build(peek(), state);
                    }
                    case 'p' -> memo.put(parseLong(line(), "PUT index"), peek()); // PUT
                    case 'q' -> memo.put((long) u8(), peek()); // BINPUT
                    case 'r' -> memo.put(u32(), peek()); // LONG_BINPUT
                    case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                    case 'g' -> push(memoGet(parseLong(line(), "GET index"))); // GET
                    case 'h' -> push(memoGet(u8())); // BINGET
                    case 'j' -> push(memoGet(u32())); // LONG_BINGET
                    default -> throw new ArtifactException("Pickle " + source + " uses opcode " + describe(op)
                            + " at byte " + opStart + ", which dro4j does not support");
                }
            }
        }

        // ---- calls, all of them building plain data -------------------------------------------------------

        private PyGlobal global(String module, String name) {
            String qualified = module + "." + name;
            if (!allowed.contains(qualified)) {
                throw new UnsafePickleException("Pickle " + source + " refers to " + qualified + " (byte " + opStart
                        + "), which is not allowed: dro4j reads pickles as plain data and accepts only the original"
                        + " DRO's result classes and basic containers", qualified);
            }
            return new PyGlobal(module, name);
        }

        private Object reduce(Object callable, Object argsValue) {
            PyGlobal g = callableGlobal(callable, "REDUCE");
            List<Object> args = argsTuple(argsValue, "REDUCE");
            switch (g.qualifiedName()) {
                case "collections.OrderedDict", "collections.defaultdict", "builtins.dict" -> {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    int first = g.name().equals("defaultdict") ? 1 : 0; // defaultdict(factory, [items])
                    if (args.size() > first && args.get(first) != null) {
                        for (Object pair : copied(iterable(args.get(first)))) {
                            List<Object> kv = iterableList(pair);
                            if (kv.size() != 2) {
                                throw malformed(g + " item is not a pair");
                            }
                            m.put(hashable(kv.get(0)), kv.get(1));
                        }
                    }
                    return m;
                }
                case "builtins.list" -> {
                    return args.isEmpty() ? new ArrayList<>() : new ArrayList<>(copied(iterable(args.get(0))));
                }
                case "builtins.tuple" -> {
                    return tuple(args.isEmpty() ? List.of() : new ArrayList<>(copied(iterable(args.get(0)))));
                }
                case "builtins.set", "builtins.frozenset" -> {
                    Set<Object> s = new LinkedHashSet<>();
                    if (!args.isEmpty()) {
                        for (Object o : copied(iterable(args.get(0)))) {
                            s.add(hashable(o));
                        }
                    }
                    return g.name().equals("set") ? s : Collections.unmodifiableSet(s);
                }
                case "copyreg._reconstructor" -> { // (cls, base, state): object.__new__(cls)
                    if (args.size() != 3) {
                        throw malformed("copyreg._reconstructor takes 3 arguments, got " + args.size());
                    }
                    return newObject(args.get(0), tuple(List.of()), null);
                }
                case "copyreg.__newobj__" -> {
                    if (args.isEmpty()) {
                        throw malformed("copyreg.__newobj__ without a class");
                    }
                    return newObject(args.get(0), tuple(args.subList(1, args.size())), null);
                }
                case "_codecs.encode" -> {
                    if (args.size() != 2 || !(args.get(0) instanceof String s) || !(args.get(1) instanceof String enc)) {
                        throw malformed("_codecs.encode needs a string and an encoding");
                    }
                    if (enc.equals("latin1") || enc.equals("latin-1")) {
                        return s.getBytes(StandardCharsets.ISO_8859_1);
                    }
                    if (enc.equals("utf-8") || enc.equals("utf8")) {
                        return s.getBytes(StandardCharsets.UTF_8);
                    }
                    throw malformed("_codecs.encode with encoding " + enc);
                }
                case "builtins.object" -> throw malformed("builtins.object called with REDUCE");
                default -> {
                    return new PyObject(g, new ArrayList<>(copied(args)));
                }
            }
        }

        private Object newObject(Object cls, Object argsValue, Object kwargs) {
            PyGlobal g = callableGlobal(cls, "NEWOBJ");
            List<Object> args = argsTuple(argsValue, "NEWOBJ");
            switch (g.qualifiedName()) {
                case "collections.OrderedDict", "collections.defaultdict", "builtins.dict" -> {
                    return new LinkedHashMap<>();
                }
                case "builtins.list" -> {
                    return new ArrayList<>();
                }
                case "builtins.set" -> {
                    return new LinkedHashSet<>();
                }
                case "builtins.object" -> throw malformed("an instance of builtins.object");
                default -> {
                    if (BASIC_GLOBALS.contains(g.qualifiedName())) {
                        throw malformed(g + " cannot be instantiated with NEWOBJ");
                    }
                    PyObject o = new PyObject(g, new ArrayList<>(copied(args)));
                    if (kwargs != null) {
                        for (Map.Entry<Object, Object> e : copied(dict(kwargs)).entrySet()) {
                            o.setAttribute(String.valueOf(e.getKey()), e.getValue());
                        }
                    }
                    return o;
                }
            }
        }

        private void build(Object target, Object state) {
            if (state == null) {
                return;
            }
            Object dictState = state;
            Object slotState = null;
            if (state instanceof List<?> t && isTuple(t) && t.size() == 2) {
                dictState = t.get(0);
                slotState = t.get(1);
            }
            if (target instanceof PyObject o) {
                for (Object s : new Object[] {dictState, slotState}) {
                    if (s == null) {
                        continue;
                    }
                    for (Map.Entry<Object, Object> e : copied(dict(s)).entrySet()) {
                        if (!(e.getKey() instanceof String name)) {
                            throw malformed("attribute name " + e.getKey() + " is not a string");
                        }
                        o.setAttribute(name, e.getValue());
                    }
                }
            } else if (target instanceof Map<?, ?> && state instanceof Map<?, ?> m && m.isEmpty()) {
                return; // an empty __dict__ of a dict subclass
            } else {
                throw malformed("BUILD on a " + typeName(target));
            }
        }

        private PyGlobal callableGlobal(Object callable, String op) {
            if (callable instanceof PyGlobal g) {
                return g;
            }
            throw malformed(op + " on a " + typeName(callable) + ", not a class");
        }

        private List<Object> argsTuple(Object args, String op) {
            if (args instanceof List<?> l && isTuple(l)) {
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) l;
                return list;
            }
            throw malformed(op + " arguments are a " + typeName(args) + ", not a tuple");
        }

        // ---- containers -----------------------------------------------------------------------------------

        private List<Object> tuple(List<Object> items) {
            return new Tuple(items);
        }

        private boolean isTuple(List<?> l) {
            return l instanceof Tuple;
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Object o) {
            if (o instanceof ArrayList<?> l && !(o instanceof Tuple)) {
                return (List<Object>) l;
            }
            throw malformed("APPEND to a " + typeName(o) + ", not a list");
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> dict(Object o) {
            if (o instanceof LinkedHashMap<?, ?> m) {
                return (Map<Object, Object>) m;
            }
            throw malformed("a " + typeName(o) + " where a dict belongs");
        }

        @SuppressWarnings("unchecked")
        private Set<Object> set(Object o) {
            if (o instanceof LinkedHashSet<?> s) {
                return (Set<Object>) s;
            }
            throw malformed("ADDITEMS to a " + typeName(o) + ", not a set");
        }

        private Collection<?> iterable(Object o) {
            if (o instanceof List<?> l) {
                return l;
            }
            if (o instanceof Set<?> s) {
                return s;
            }
            throw malformed("a " + typeName(o) + " where a list or tuple belongs");
        }

        private List<Object> iterableList(Object o) {
            return new ArrayList<>(iterable(o));
        }

        private void putAll(Map<Object, Object> m, List<Object> items) {
            if (items.size() % 2 != 0) {
                throw malformed("an odd number of items for a dict");
            }
            for (int i = 0; i < items.size(); i += 2) {
                m.put(hashable(items.get(i)), items.get(i + 1));
            }
        }

        /**
         * Dict keys and set members must be hashable in Python; anything else could also loop forever here. A key of
         * tuples that share tuples is counted as the walk ({@code hashCode}, {@code equals}) meets it: at most
         * {@link #MAX_KEY_VALUES} values.
         */
        private Object hashable(Object k) {
            int[] values = {0};
            checkHashable(k, 0, values);
            spend(values[0]);
            return k;
        }

        private void checkHashable(Object k, int depth, int[] values) {
            if (depth > 32) {
                throw malformed("a dict key nested too deeply");
            }
            if (++values[0] > MAX_KEY_VALUES) {
                throw malformed("a dict key or set member of more than " + MAX_KEY_VALUES + " values");
            }
            if (k == null || k instanceof String || k instanceof Long || k instanceof BigInteger
                    || k instanceof Double || k instanceof Boolean || k instanceof PyGlobal) {
                return;
            }
            if (k instanceof Tuple t) {
                for (Object o : t) {
                    checkHashable(o, depth + 1, values);
                }
                return;
            }
            throw malformed("an unhashable " + typeName(k) + " as a dict key or set member");
        }

        /** {@code items}, counted as work: copying a long list again and again costs per copy, not per byte. */
        private <C extends Collection<?>> C copied(C items) {
            spend(items.size());
            return items;
        }

        private Map<Object, Object> copied(Map<Object, Object> items) {
            spend(items.size());
            return items;
        }

        private void spend(long values) {
            work += values;
            if (work > maxValues) {
                throw tooMuch("its copies and dict keys");
            }
        }

        private ArtifactException tooMuch(String what) {
            return malformed(what + " make more than " + maxValues + " values to walk from " + data.length
                    + " bytes (dro4j reads at most " + MAX_VALUES_PER_BYTE + " per byte, plus " + MAX_VALUES_FREE
                    + "): its memo references share lists, tuples, dicts or sets many times over");
        }

        /**
         * Counts the values that walking the result meets (see the class comment), each container once with its
         * count remembered, so the count takes time linear in what was read even when the walk would not.
         */
        private final class Walk {
            private final Map<Object, Long> counted = new java.util.IdentityHashMap<>();
            private final Set<Object> open = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            private final Set<PyObject> objects = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            private final java.util.Deque<PyObject> todo = new java.util.ArrayDeque<>();

            void check(Object root) {
                long total = values(root, 0);
                while (!todo.isEmpty()) {
                    PyObject o = todo.pop();
                    total = add(total, values(o.args(), 0));
                    for (Object v : o.attributes().values()) {
                        total = add(total, values(v, 0));
                    }
                    if (total > maxValues) {
                        break;
                    }
                }
                if (add(total, work) > maxValues) {
                    throw tooMuch("its " + (total > maxValues ? "values" : "values, copies and dict keys"));
                }
            }

            private long values(Object v, int depth) {
                if (v instanceof PyObject o) {
                    if (objects.add(o)) {
                        todo.push(o);
                    }
                    return 1;
                }
                if (v instanceof String str) {
                    return 1 + str.length() / 16; // printing it, or writing it as JSON, costs its length
                }
                if (v instanceof byte[] b) {
                    return 1 + b.length / 16;
                }
                if (v instanceof BigInteger b) {
                    return 1 + b.bitLength() / 128;
                }
                if (!(v instanceof Collection<?>) && !(v instanceof Map<?, ?>)) {
                    return 1;
                }
                Long known = counted.get(v);
                if (known != null) {
                    return known;
                }
                if (depth >= MAX_NESTING) {
                    throw malformed("lists, tuples, dicts or sets nested more than " + MAX_NESTING + " deep");
                }
                if (!open.add(v)) {
                    throw malformed("a " + typeName(v) + " that contains itself (dro4j reads no such cycle)");
                }
                long n = 1;
                if (v instanceof Map<?, ?> m) {
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        n = add(add(n, values(e.getKey(), depth + 1)), values(e.getValue(), depth + 1));
                    }
                } else {
                    for (Object x : (Collection<?>) v) {
                        n = add(n, values(x, depth + 1));
                    }
                }
                open.remove(v);
                counted.put(v, n);
                return n;
            }

            /** A sum that stops growing past the bound (it is only compared with it). */
            private long add(long a, long b) {
                return Math.min(a + b, maxValues + 1);
            }
        }

        // ---- stack ----------------------------------------------------------------------------------------

        private void push(Object o) {
            stack.add(o);
        }

        private Object pop() {
            if (stack.isEmpty()) {
                throw malformed("the stack is empty");
            }
            return stack.remove(stack.size() - 1);
        }

        private Object peek() {
            if (stack.isEmpty()) {
                throw malformed("the stack is empty");
            }
            return stack.get(stack.size() - 1);
        }

        private List<Object> popN(int n) {
            if (stack.size() < n) {
                throw malformed("the stack holds " + stack.size() + " values, " + n + " needed");
            }
            List<Object> top = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
            stack.subList(stack.size() - n, stack.size()).clear();
            return top;
        }

        private List<Object> popMark() {
            if (metastack.isEmpty()) {
                throw malformed("no MARK to pop to");
            }
            List<Object> items = stack;
            stack = metastack.remove(metastack.size() - 1);
            return items;
        }

        private Object memoGet(long key) {
            if (!memo.containsKey(key)) {
                throw malformed("memo entry " + key + " is not set");
            }
            return memo.get(key);
        }

        // ---- reading --------------------------------------------------------------------------------------

        private int u8() {
            need(1);
            return data[pos++] & 0xff;
        }

        private int i32() {
            need(4);
            int v = (data[pos] & 0xff) | (data[pos + 1] & 0xff) << 8 | (data[pos + 2] & 0xff) << 16
                    | (data[pos + 3] & 0xff) << 24;
            pos += 4;
            return v;
        }

        private long u32() {
            return i32() & 0xffffffffL;
        }

        private long u64() {
            need(8);
            long v = 0;
            for (int i = 7; i >= 0; i--) {
                v = (v << 8) | (data[pos + i] & 0xff);
            }
            pos += 8;
            return v;
        }

        private long be64() {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (data[pos + i] & 0xff);
            }
            pos += 8;
            return v;
        }

        private int length(long n) {
            if (n < 0) {
                throw malformed("negative length " + n);
            }
            if (n > data.length - pos) {
                throw truncated("(" + Long.toUnsignedString(n) + " bytes announced, " + (data.length - pos)
                        + " left)");
            }
            return (int) n;
        }

        private byte[] bytes(int n) {
            length(n);
            byte[] b = new byte[n];
            System.arraycopy(data, pos, b, 0, n);
            pos += n;
            return b;
        }

        private String line() {
            int start = pos;
            while (pos < data.length && data[pos] != '\n') {
                pos++;
            }
            if (pos >= data.length) {
                throw truncated("(a line without its newline)");
            }
            String s = new String(data, start, pos - start, StandardCharsets.UTF_8);
            pos++;
            return s;
        }

        private void need(int n) {
            if (data.length - pos < n) {
                throw truncated("(" + n + " bytes needed, " + (data.length - pos) + " left)");
            }
        }

        private void pushTextInt(String s) {
            if (s.equals("00")) {
                push(Boolean.FALSE);
            } else if (s.equals("01")) {
                push(Boolean.TRUE);
            } else {
                push(parseInteger(s));
            }
        }

        private void pushTextLong(String s) {
            push(parseInteger(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
        }

        private void pushTextFloat(String s) {
            try {
                push(Double.parseDouble(s.strip()));
            } catch (NumberFormatException e) {
                throw malformed("float literal \"" + s + "\"");
            }
        }

        /** Integers over {@link #MAX_INTEGER_BYTES} bytes are refused: converting them costs more than linear time. */
        private int integerLength(int n) {
            if (n > MAX_INTEGER_BYTES) {
                throw malformed("an integer of " + n + " bytes (dro4j reads integers of up to " + MAX_INTEGER_BYTES
                        + " bytes)");
            }
            return n;
        }

        private Object parseInteger(String s) {
            if (s.length() > MAX_INTEGER_BYTES * 3) {
                throw malformed("an integer literal of " + s.length() + " characters (dro4j reads integers of up to "
                        + MAX_INTEGER_BYTES + " bytes)");
            }
            try {
                BigInteger b = new BigInteger(s.strip());
                return b.bitLength() < 64 ? (Object) b.longValue() : b;
            } catch (NumberFormatException e) {
                throw malformed("integer literal \"" + s + "\"");
            }
        }

        private long parseLong(String s, String what) {
            try {
                return Long.parseLong(s.strip());
            } catch (NumberFormatException e) {
                throw malformed(what + " \"" + s + "\"");
            }
        }

        private Object longFromBytes(byte[] b) {
            if (b.length == 0) {
                return 0L;
            }
            byte[] be = new byte[b.length];
            for (int i = 0; i < b.length; i++) {
                be[i] = b[b.length - 1 - i];
            }
            BigInteger v = new BigInteger(be);
            return v.bitLength() < 64 ? (Object) v.longValue() : v;
        }

        private String utf8(byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }

        private String latin1(byte[] b) {
            return new String(b, StandardCharsets.ISO_8859_1);
        }

        private ArtifactException truncated(String detail) {
            return new ArtifactException("Truncated pickle " + source + ": the data ends at byte " + data.length
                    + (opName.isEmpty() ? " " : " inside " + opName + " (at byte " + opStart + ") ") + detail);
        }

        private ArtifactException malformed(String what) {
            return new ArtifactException("Malformed pickle " + source + ": " + what + " at byte " + opStart
                    + (opName.isEmpty() ? "" : " (" + opName + ")"));
        }

        private String typeName(Object o) {
            if (o == null) {
                return "None";
            }
            if (o instanceof Tuple) {
                return "tuple";
            }
            if (o instanceof List<?>) {
                return "list";
            }
            if (o instanceof Map<?, ?>) {
                return "dict";
            }
            if (o instanceof Set<?>) {
                return "set";
            }
            if (o instanceof PyObject p) {
                return p.type().qualifiedName() + " object";
            }
            if (o instanceof PyGlobal g) {
                return "reference to " + g.qualifiedName();
            }
            if (o instanceof byte[]) {
                return "bytes";
            }
            return o.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A Python tuple: an unmodifiable list, told apart from lists where the pickle format needs it. */
    private static final class Tuple extends java.util.AbstractList<Object> implements java.util.RandomAccess {
        private final Object[] items;

        Tuple(List<Object> items) {
            this.items = items.toArray();
        }

        @Override
        public Object get(int index) {
            return items[index];
        }

        @Override
        public int size() {
            return items.length;
        }
    }

    private static String opName(int op) {
        return switch (op) {
            case 0x80 -> "PROTO";
            case 0x95 -> "FRAME";
            case '.' -> "STOP";
            case '(' -> "MARK";
            case '0' -> "POP";
            case '1' -> "POP_MARK";
            case '2' -> "DUP";
            case 'N' -> "NONE";
            case 0x88 -> "NEWTRUE";
            case 0x89 -> "NEWFALSE";
            case 'K' -> "BININT1";
            case 'M' -> "BININT2";
            case 'J' -> "BININT";
            case 'I' -> "INT";
            case 'L' -> "LONG";
            case 0x8a -> "LONG1";
            case 0x8b -> "LONG4";
            case 'G' -> "BINFLOAT";
            case 'F' -> "FLOAT";
            case 0x8c -> "SHORT_BINUNICODE";
            case 'X' -> "BINUNICODE";
            case 0x8d -> "BINUNICODE8";
            case 'U' -> "SHORT_BINSTRING";
            case 'T' -> "BINSTRING";
            case 'C' -> "SHORT_BINBYTES";
            case 'B' -> "BINBYTES";
            case 0x8e -> "BINBYTES8";
            case 0x96 -> "BYTEARRAY8";
            case ']' -> "EMPTY_LIST";
            case 'l' -> "LIST";
            case 'a' -> "APPEND";
            case 'e' -> "APPENDS";
            case ')' -> "EMPTY_TUPLE";
            case 't' -> "TUPLE";
            case 0x85 -> "TUPLE1";
            case 0x86 -> "TUPLE2";
            case 0x87 -> "TUPLE3";
            case '}' -> "EMPTY_DICT";
            case 'd' -> "DICT";
            case 's' -> "SETITEM";
            case 'u' -> "SETITEMS";
            case 0x8f -> "EMPTY_SET";
            case 0x90 -> "ADDITEMS";
            case 0x91 -> "FROZENSET";
            case 'c' -> "GLOBAL";
            case 0x93 -> "STACK_GLOBAL";
            case 'R' -> "REDUCE";
            case 0x81 -> "NEWOBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 'b' -> "BUILD";
            case 'p' -> "PUT";
            case 'q' -> "BINPUT";
            case 'r' -> "LONG_BINPUT";
            case 0x94 -> "MEMOIZE";
            case 'g' -> "GET";
            case 'h' -> "BINGET";
            case 'j' -> "LONG_BINGET";
            case 'P' -> "PERSID";
            case 'Q' -> "BINPERSID";
            case 'S' -> "STRING";
            case 'V' -> "UNICODE";
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 0x82 -> "EXT1";
            case 0x83 -> "EXT2";
            case 0x84 -> "EXT4";
            case 0x97 -> "NEXT_BUFFER";
            case 0x98 -> "READONLY_BUFFER";
            default -> "";
        };
    }

    private static String describe(int op) {
        String name = opName(op);
        String hex = String.format("0x%02x", op);
        return name.isEmpty() ? hex : name + " (" + hex + ")";
    }
}
