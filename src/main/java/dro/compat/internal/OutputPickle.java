package dro.compat.internal;

import dro.compat.UnsafePickleException;

import dro.compat.internal.AspectScore;
import dro.compat.ArtifactException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the original DRO's {@code output.pkl} into typed plain data, without running code (see
 * {@link SafeUnpickler}): a {@link BeamSearchResult} with the whole search tree, or a
 * {@link TrainingOutput.PromptOnly} when the pickle holds a bare string.
 *
 * <p>Shared Python objects stay shared (a step that appears in many states is one {@link SubResult}); parent and
 * child links are checked to agree. Stateless and thread-safe; what it returns is immutable.
 */
public final class OutputPickle {

    private static final String RESULT = "reasoner.search_algo.beam_search.BeamSearchResult";
    private static final String NODE = "reasoner.search_algo.beam_search.BeamSearchNode";
    private static final String SUB_RESULT = "prompt_align.world_model.SubResult";

    private OutputPickle() { }

    /**
     * Reads an {@code output.pkl}.
     *
     * @throws ArtifactException       if the file is missing, truncated or not of the original's shape
     * @throws UnsafePickleException if it names anything but the original's classes and basic containers
     */
    public static TrainingOutput read(Path file) {
        String source = file.toAbsolutePath().toString();
        return convert(SafeUnpickler.forDro().load(file), source);
    }

    /** Reads pickled bytes; {@code source} names them in error messages. */
    public static TrainingOutput parse(byte[] data, String source) {
        return convert(SafeUnpickler.forDro().load(data, source), source);
    }

    private static TrainingOutput convert(Object root, String source) {
        if (root instanceof String s) {
            return new TrainingOutput.PromptOnly(s);
        }
        return new Converter(source).result(root);
    }

    private static final class Converter {
        private final String source;
        private final Map<Object, SubResult> steps = new IdentityHashMap<>();
        private final Map<Object, List<SubResult>> states = new IdentityHashMap<>();
        private final Map<PyObject, SearchNode> nodes = new IdentityHashMap<>();

        Converter(String source) {
            this.source = source;
        }

        BeamSearchResult result(Object root) {
            PyObject r = object(root, RESULT, "the pickled result");
            List<Object> f = fields(r, 4, "BeamSearchResult");
            PyObject terminal = object(f.get(0), NODE, "BeamSearchResult.terminal_node");
            double cumReward = number(f.get(1), "BeamSearchResult.cum_reward");
            PyObject treeRoot = object(f.get(2), NODE, "BeamSearchResult.tree");
            buildNodes(treeRoot, terminal);
            List<TraceStep> trace = new ArrayList<>();
            if (f.get(3) != null) {
                List<?> items = list(f.get(3), "BeamSearchResult.trace");
                for (int i = 0; i < items.size(); i++) {
                    String where = "BeamSearchResult.trace[" + i + "]";
                    List<?> t = list(items.get(i), where);
                    if (t.size() != 3) {
                        throw bad(where + " has " + t.size() + " items, expected (action, state, reward)");
                    }
                    trace.add(new TraceStep(Optional.ofNullable(string(t.get(0), where + ".action", true)),
                            state(t.get(1), where + ".state"), number(t.get(2), where + ".reward")));
                }
            }
            return new BeamSearchResult(nodes.get(terminal), cumReward, nodes.get(treeRoot), trace);
        }

        /** Every node reachable from the root (children) and the terminal node (parents), then their links. */
        private void buildNodes(PyObject root, PyObject terminal) {
            Deque<PyObject> todo = new ArrayDeque<>();
            todo.push(root);
            todo.push(terminal);
            List<PyObject> order = new ArrayList<>();
            while (!todo.isEmpty()) {
                PyObject o = todo.pop();
                if (nodes.containsKey(o)) {
                    continue;
                }
                Map<String, Object> a = o.attributes();
                String where = "node " + a.get("id");
                for (String field : new String[] {"id", "state", "action", "reward", "parent", "children"}) {
                    if (!a.containsKey(field)) {
                        throw bad(where + " has no attribute '" + field + "' (it has " + a.keySet() + ")");
                    }
                }
                long id = integer(a.get("id"), "a node's id");
                if (id < Integer.MIN_VALUE || id > Integer.MAX_VALUE) {
                    throw bad(where + " has an id out of range");
                }
                List<SubResult> state = a.get("state") == null ? List.of() : state(a.get("state"), where + ".state");
                nodes.put(o, new SearchNode((int) id, state, string(a.get("action"), where + ".action", true),
                        number(a.get("reward"), where + ".reward")));
                order.add(o);
                if (a.get("parent") != null) {
                    todo.push(object(a.get("parent"), NODE, where + ".parent"));
                }
                for (Object c : list(a.get("children"), where + ".children")) {
                    todo.push(object(c, NODE, where + ".children[]"));
                }
            }
            if (root.attributes().get("parent") != null) {
                throw bad("the tree's root (node " + nodes.get(root).id() + ") has a parent");
            }
            for (PyObject o : order) {
                Map<String, Object> a = o.attributes();
                SearchNode parent = a.get("parent") == null ? null : nodes.get((PyObject) a.get("parent"));
                List<SearchNode> children = new ArrayList<>();
                Set<PyObject> listed = Collections.newSetFromMap(new IdentityHashMap<>());
                for (Object c : (List<?>) a.get("children")) {
                    PyObject child = (PyObject) c;
                    if (child.attributes().get("parent") != o) {
                        throw bad("node " + nodes.get(o).id() + " lists node " + nodes.get(child).id()
                                + " as a child, but that node's parent is another node");
                    }
                    if (!listed.add(child)) {
                        throw bad("node " + nodes.get(o).id() + " lists node " + nodes.get(child).id()
                                + " as a child twice");
                    }
                    children.add(nodes.get(child));
                }
                nodes.get(o).link(parent, children);
            }
            // With one parent each, a root without one and no child listed twice, the nodes below the root form a
            // tree; every node read (the terminal node and its ancestors too) must be in it.
            Set<SearchNode> inTree = Collections.newSetFromMap(new IdentityHashMap<>());
            Deque<SearchNode> below = new ArrayDeque<>();
            below.push(nodes.get(root));
            while (!below.isEmpty()) {
                SearchNode n = below.pop();
                if (inTree.add(n)) {
                    n.children().forEach(below::push);
                }
            }
            for (PyObject o : order) {
                if (!inTree.contains(nodes.get(o))) {
                    throw bad("node " + nodes.get(o).id() + " is not in the tree below the root (node "
                            + nodes.get(root).id() + ")");
                }
            }
        }

        private List<SubResult> state(Object value, String where) {
            List<SubResult> known = states.get(value);
            if (known != null) {
                return known;
            }
            List<?> items = list(value, where);
            List<SubResult> out = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
                out.add(step(items.get(i), where + "[" + i + "]"));
            }
            List<SubResult> result = List.copyOf(out);
            states.put(value, result);
            return result;
        }

        private SubResult step(Object value, String where) {
            SubResult known = steps.get(value);
            if (known != null) {
                return known;
            }
            PyObject o = object(value, SUB_RESULT, where);
            List<Object> f = fields(o, 5, where);
            Map<String, AspectScore> eval = new LinkedHashMap<>();
            if (f.get(4) != null) {
                if (!(f.get(4) instanceof Map<?, ?> m)) {
                    throw bad(where + ".eval_dict is a " + kind(f.get(4)) + ", expected a dict");
                }
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    String aspect = string(e.getKey(), where + ".eval_dict key", false);
                    String w = where + ".eval_dict['" + aspect + "']";
                    if (!(e.getValue() instanceof Map<?, ?> v)) {
                        throw bad(w + " is a " + kind(e.getValue()) + ", expected {rationale, score}");
                    }
                    Object score = v.get("score");
                    eval.put(aspect, new AspectScore(string(v.get("rationale"), w + ".rationale", true),
                            score == null ? null : score instanceof String s ? s : String.valueOf(score)));
                }
            }
            SubResult s = new SubResult(string(f.get(0), where + ".system_prompt", false),
                    orEmpty(string(f.get(1), where + ".in_context_examples", true)),
                    orEmpty(string(f.get(2), where + ".query", true)),
                    orEmpty(string(f.get(3), where + ".output", true)), eval);
            steps.put(value, s);
            return s;
        }

        private List<Object> fields(PyObject o, int n, String where) {
            if (o.args().size() != n) {
                throw bad(where + " has " + o.args().size() + " fields, expected " + n);
            }
            return o.args();
        }

        private PyObject object(Object v, String type, String where) {
            if (v instanceof PyObject o && o.type().qualifiedName().equals(type)) {
                return o;
            }
            throw bad(where + " is a " + kind(v) + ", expected " + type);
        }

        private List<?> list(Object v, String where) {
            if (v instanceof List<?> l) {
                return l;
            }
            throw bad(where + " is a " + kind(v) + ", expected a list");
        }

        private String string(Object v, String where, boolean nullable) {
            if (v instanceof String s) {
                return s;
            }
            if (v == null && nullable) {
                return null;
            }
            throw bad(where + " is a " + kind(v) + ", expected a string");
        }

        private double number(Object v, String where) {
            if (v instanceof Number n) {
                return n.doubleValue();
            }
            if (v instanceof Boolean b) {
                return b ? 1 : 0;
            }
            throw bad(where + " is a " + kind(v) + ", expected a number");
        }

        private long integer(Object v, String where) {
            if (v instanceof Long l) {
                return l;
            }
            throw bad(where + " is a " + kind(v) + ", expected an integer");
        }

        private static String orEmpty(String s) {
            return s == null ? "" : s;
        }

        private static String kind(Object v) {
            if (v == null) {
                return "None";
            }
            if (v instanceof PyObject o) {
                return o.type().qualifiedName();
            }
            if (v instanceof List<?>) {
                return "list";
            }
            if (v instanceof Map<?, ?>) {
                return "dict";
            }
            return v.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        }

        private ArtifactException bad(String what) {
            return new ArtifactException("Pickle " + source + " is not an original DRO result: " + what);
        }
    }
}
