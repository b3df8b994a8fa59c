package dro.backend.llamacpp;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import java.nio.file.Path;

/**
 * The program {@link NativeInfo} runs in a child JVM: it loads the llama.cpp library in the directory given as its
 * argument, with llama.cpp's console log on, and asks it to load a model file that does not exist. Before failing,
 * llama.cpp prints its build and system information (CPU features, GPU backends and devices) to standard error,
 * where the parent reads them. The binding offers them no other way.
 */
final class NativeProbe {

    /** Printed on standard output when the probe ran to its end. */
    static final String DONE = "dro4j-native-probe: done";

    private NativeProbe() { }

    public static void main(String[] args) {
        System.setProperty("dro4j.native.log", "true");
        Path dir = NativeLibrary.ensureLoaded(Path.of(args[0]));
        Path missing = dir.resolve("dro4j-probe-no-such-model.gguf");
        try {
            new LlamaModel(new ModelParameters().setModel(missing.toString())).close();
        } catch (RuntimeException expected) {
            // "could not load model": the information was printed before
        }
        System.err.flush();
        System.out.println(DONE);
        System.out.flush();
    }
}
