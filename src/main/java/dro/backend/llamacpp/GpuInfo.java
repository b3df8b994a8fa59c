package dro.backend.llamacpp;

import dro.ModelLoadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Free memory of the machine's GPUs, used to derive how many layers fit when only a memory fraction is given. */
public interface GpuInfo {

    /**
     * Free memory in bytes of each GPU, indexed by CUDA device number.
     *
     * @throws ModelLoadException if it cannot be found out (no {@code nvidia-smi}, no answer); the message says why
     */
    long[] freeMemoryBytes();

    /** Asks {@code nvidia-smi}. */
    GpuInfo NVIDIA_SMI = () -> {
        Process p;
        try {
            p = new ProcessBuilder("nvidia-smi", "--query-gpu=memory.free", "--format=csv,noheader,nounits")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new ModelLoadException("nvidia-smi is not available (" + e.getMessage() + ")");
        }
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new ModelLoadException("nvidia-smi failed: " + out.strip());
            }
            List<Long> free = new ArrayList<>();
            for (String line : out.strip().split("\\R")) {
                if (!line.isBlank()) {
                    free.add(Long.parseLong(line.strip()) * 1024L * 1024L);
                }
            }
            return free.stream().mapToLong(Long::longValue).toArray();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelLoadException("interrupted while asking nvidia-smi");
        } catch (NumberFormatException | IOException e) {
            throw new ModelLoadException("cannot read nvidia-smi's answer: " + e.getMessage());
        }
    };
}
