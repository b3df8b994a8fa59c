package dro.gguf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dro.testing.Fuzz;

/**
 * GGUF headers from a hub are untrusted bytes: any file gives a {@link GgufFile} or a {@link GgufException}, and
 * reading what was read (the accessors that a load and {@code dro prompts} use) throws nothing else.
 */
class GgufFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void anyFileReadsOrFailsWithAGgufException(byte[] data) {
        java.nio.file.Path f = Fuzz.file("model.gguf", data);
        Fuzz.onlyDeclared(() -> {
            GgufFile g = GgufFile.read(f);
            g.architecture();
            g.name();
            g.baseModels();
            g.chatTemplate();
            g.trainedContextLength();
            g.blockCount();
            g.addsBos();
            g.layerBytes();
            g.nonLayerBytes();
            g.metadata().toString();
        }, GgufException.class);
        Fuzz.onlyDeclared(() -> GgufFile.readMetadata(f).metadata().toString(), GgufException.class);
    }
}
