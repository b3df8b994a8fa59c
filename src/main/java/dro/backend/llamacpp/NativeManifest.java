package dro.backend.llamacpp;

import com.fasterxml.jackson.annotation.JsonInclude;
import dro.ModelLoadException;
import dro.internal.AtomicFiles;
import dro.internal.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code dro native build} records beside a library it installs, in {@value #FILE_NAME}.
 *
 * @param bindingVersion    the {@code de.kherud:llama} version the library was built for (its JNI must match)
 * @param llamaCppVersion   the llama.cpp release the source pins (for example {@code b4916}), or that of the local
 *                          llama.cpp tree it was built with ({@code b4747}, {@code commit c392e5094dea}); null if
 *                          unknown
 * @param cuda              whether it was built with CUDA ({@code GGML_CUDA=ON})
 * @param cudaArchitectures the {@code CMAKE_CUDA_ARCHITECTURES} it was built for, or null (CMake's default)
 * @param builtAt           when it was built (ISO-8601, UTC)
 * @param source            where the source came from: the repository and tag cloned, or a local directory
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NativeManifest(String bindingVersion, String llamaCppVersion, boolean cuda, String cudaArchitectures,
                             String builtAt, String source) {

    /** The manifest's file name inside an install directory. */
    public static final String FILE_NAME = "dro-native.json";

    /** The manifest in {@code directory}, if there is one. */
    public static Optional<NativeManifest> read(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.MAPPER.readValue(file.toFile(), NativeManifest.class));
        } catch (IOException e) {
            throw new ModelLoadException("Cannot read " + file + " (the manifest of a llama.cpp library dro4j built): "
                    + e.getMessage(), e);
        }
    }

    /** Writes this manifest into {@code directory}. */
    public void write(Path directory) {
        try {
            AtomicFiles.write(directory.resolve(FILE_NAME), Json.MAPPER.writeValueAsString(this) + "\n");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "CUDA" or "CPU", then the versions: for logs and {@code dro native info}. */
    public String describe() {
        return (cuda ? "CUDA" + (cudaArchitectures == null ? "" : " (architectures " + cudaArchitectures + ")")
                : "CPU") + " build for de.kherud:llama " + bindingVersion
                + (llamaCppVersion == null ? "" : ", llama.cpp " + llamaCppVersion) + ", built " + builtAt
                + " from " + source;
    }
}
