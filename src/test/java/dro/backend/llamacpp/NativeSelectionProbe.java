package dro.backend.llamacpp;

import dro.AutoModel;
import dro.DroException;
import dro.testing.TestModels;

/**
 * Run by {@link NativeSelectionTest} in a fresh JVM (a JVM loads one native library): with the dro4j cache in
 * {@code args[0]}, builds one local model for each further argument (its {@code numGpus}) and prints which library
 * it loaded the model with, or why it was refused.
 */
public final class NativeSelectionProbe {

    private NativeSelectionProbe() { }

    public static void main(String[] args) {
        System.setProperty("dro4j.cache.dir", args[0]);
        for (int i = 1; i < args.length; i++) {
            int gpus = Integer.parseInt(args[i]);
            try (AutoModel m = AutoModel.builder().model(TestModels.scriptedChat()).numGpus(gpus).gpuLayers(0)
                    .threads(1).build()) {
                NativeChoice c = NativeLibrary.loaded().orElseThrow();
                System.out.println("numGpus " + gpus + ": " + c.origin() + " " + c.directory() + "; loaded "
                        + (m.systemPrompt().isEmpty() ? "" : "a model"));
            } catch (DroException e) {
                System.out.println("numGpus " + gpus + ": refused: " + e.getMessage());
            }
        }
        System.out.flush();
    }
}
