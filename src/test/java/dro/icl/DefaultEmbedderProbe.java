package dro.icl;

import java.lang.reflect.Field;

/**
 * Embeds one text with the default embedder in a fresh JVM whose SLF4J simple logger keeps its defaults (INFO, to
 * standard error), as a library user's program would; then reports the embedding's size and whether DJL's CUDA
 * probe logs again afterwards (its switch, read as DJL's own code reads it).
 */
public final class DefaultEmbedderProbe {

    private DefaultEmbedderProbe() { }

    public static void main(String[] args) throws Exception {
        float[] v = MiniLmEmbedder.INSTANCE.embed("How are you?");
        Field logging = Class.forName("ai.djl.util.cuda.CudaUtils").getDeclaredField("logging");
        logging.setAccessible(true);
        System.out.println(v.length + " dimensions; DJL's CUDA probe logs: " + logging.getBoolean(null));
    }
}
