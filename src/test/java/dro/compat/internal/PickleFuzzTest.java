package dro.compat.internal;

import dro.compat.UnsafePickleException;
import dro.compat.ArtifactException;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dro.testing.Fuzz;

/**
 * The original's pickles are untrusted bytes: the safe unpickler gives plain data or an {@link ArtifactException}
 * (an {@link UnsafePickleException} for a name outside the allowlist), and what it gives can be walked (hashed,
 * printed) in time bounded by the bytes read; {@link OutputPickle} gives a search tree that every accessor walks, or
 * an {@link ArtifactException}.
 */
class PickleFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void anyPickleLoadsAsPlainDataOrFailsWithAnArtifactException(byte[] data) {
        Fuzz.onlyDeclared(() -> {
            Object v = SafeUnpickler.forDro().load(data, "fuzz.pkl");
            if (v != null) {
                v.hashCode();
                v.toString();
            }
        }, ArtifactException.class);
    }

    @FuzzTest(maxDuration = "60s")
    void anyPickleReadsAsAnOriginalResultOrFailsWithAnArtifactException(byte[] data) {
        Fuzz.onlyDeclared(() -> {
            TrainingOutput out = OutputPickle.parse(data, "output.pkl");
            out.hashCode();
            if (out instanceof BeamSearchResult r) {
                for (SearchNode n : r.nodes()) {
                    n.depth();
                    n.pathFromRoot();
                    n.toString();
                    n.state().hashCode();
                    n.state().toString();
                }
                r.nodesById();
                r.terminalPath();
                r.trace().toString();
            }
            out.optimizedPrompt();
        }, ArtifactException.class);
    }
}
