package dro.compat.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An instance of an allowlisted Python class, reconstructed from a pickle as plain data: its class name, the
 * arguments it was created with ({@code NEWOBJ}/{@code REDUCE}; for a named tuple, its fields in order) and its
 * attributes ({@code BUILD}). No Python code runs to make it.
 *
 * <p>Equality is identity, as in Python (objects may refer to each other in cycles). Not thread-safe while the
 * unpickler fills it; safe to share once {@link SafeUnpickler#load} has returned.
 */
public final class PyObject {

    private final PyGlobal type;
    private final List<Object> args;
    private final Map<String, Object> attributes = new LinkedHashMap<>();

    PyObject(PyGlobal type, List<Object> args) {
        this.type = type;
        this.args = Collections.unmodifiableList(args);
    }

    public PyGlobal type() {
        return type;
    }

    /** The constructor arguments (for a named tuple: its fields in declaration order). */
    public List<Object> args() {
        return args;
    }

    /** The attributes set by {@code BUILD} (the object's {@code __dict__}), in pickle order. */
    public Map<String, Object> attributes() {
        return Collections.unmodifiableMap(attributes);
    }

    void setAttribute(String name, Object value) {
        attributes.put(name, value);
    }

    /** The class, the number of arguments and the first attribute names: short, however often it is printed. */
    @Override
    public String toString() {
        StringBuilder names = new StringBuilder();
        int shown = 0;
        for (String name : attributes.keySet()) {
            if (shown == MAX_NAMES_SHOWN) {
                names.append(", ... (").append(attributes.size()).append(" in all)");
                break;
            }
            names.append(shown == 0 ? "" : ", ").append(name.length() > 40 ? name.substring(0, 40) + "..." : name);
            shown++;
        }
        return type.qualifiedName() + "(" + args.size() + " args, attributes [" + names + "])";
    }

    private static final int MAX_NAMES_SHOWN = 8;
}
