package dro.backend.llamacpp;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import dro.ModelLoadException;
import dro.gguf.GgufFile;
import dro.internal.Parallel;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The llama.cpp models loaded in this JVM, one per model file and load settings, shared by every
 * {@link LlamaCppBackend} (so every {@code AutoModel}) of that file and those settings.
 *
 * <h2>Why</h2>
 * {@code de.kherud:llama} 4.2.0 cannot free a loaded model: {@code LlamaModel.close()} only ends its task loop (the
 * native {@code delete} leaves the server context, with the weights, the KV cache and the compute buffers, allocated).
 * Loading a model per {@code AutoModel} therefore left a whole model in memory at every open–close cycle. Here a
 * model is loaded once and reference counted.
 *
 * <h2>Policy</h2>
 * <ul>
 *   <li>Two opens share a model when they name the same file (its canonical path, size and modification time) with
 *   the same load settings: every argument llama.cpp is loaded with (context, slots, threads, GPU layers and devices,
 *   KV cache type, logging). The per-request {@code timeout} is not a load setting. Concurrent opens of one model load
 *   it once; the others wait for that load.</li>
 *   <li>The parallel slots and the {@link SlotScheduler} belong to the shared model: the backends that share it share
 *   its slots, and each request still gets a slot of its own.</li>
 *   <li>When its last user closes it, the model stays loaded, idle (its task loop waits for work and computes
 *   nothing), and the next open of the same file and settings takes it over, with what its slots have cached. It is
 *   never freed (the binding cannot).</li>
 *   <li>With a library that runs llama.cpp's CPU threads with OpenMP (the bundled one does), every model's task loop
 *   keeps a team of OpenMP threads, and once those outnumber the cores every model decodes at 0.28-0.50x of its speed
 *   alone (docs/BENCHMARKS.md, "Where the time goes", cause 6). So when another model has been loaded, the task loops
 *   of the models that lie idle are ended, which takes their teams with them; they are forgotten, and opening one again
 *   loads it again (its first load stays in memory). Models in use stay as they are, and loading a model beside them
 *   logs a warning. Without OpenMP, idle models are kept for the next open, as above.</li>
 *   <li>A file changed on disk is a new model: the earlier load stays in memory. Loading any model while others lie
 *   idle logs a line naming them (a WARN the first time, then INFO), since the process then holds a model more that it
 *   cannot give back. There is no bound on idle models: enforcing one could only refuse the load, or end task loops,
 *   which frees nothing.</li>
 * </ul>
 *
 * <h2>The loading thread</h2>
 * A model is loaded on a thread of its own that ends with the load. A llama.cpp CPU backend built with OpenMP for a CPU
 * with AMX (what {@code dro native build} makes on such a machine) repacks the weights in OpenMP parallel regions while
 * loading, and OpenMP keeps the team of worker threads of the thread that ran a region for as long as that thread
 * lives. Loaded on a caller's thread that lives on, the model then has more OpenMP threads than cores, and OpenMP's
 * barriers sleep instead of spinning: every step of every decoded token paid two thread wake-ups, and one sequence
 * decoded at a seventh of llama.cpp's own server's speed with the same build (docs/BENCHMARKS.md, "Where the time
 * goes"). A thread that ends takes its team with it.
 *
 * <p>Thread-safe.
 */
final class SharedModels {

    private static final Logger log = LoggerFactory.getLogger(SharedModels.class);
    private static final Object LOCK = new Object();
    /** Guarded by {@link #LOCK}; in load order. */
    private static final Map<Key, Model> MODELS = new LinkedHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();
    private static final AtomicBoolean WARNED_IDLE = new AtomicBoolean();
    private static final AtomicBoolean WARNED_OPENMP = new AtomicBoolean();

    private SharedModels() { }

    /** What makes two opens the same model: the file as it is on disk and llama.cpp's load arguments. */
    record Key(Path file, long size, FileTime modified, List<String> args) { }

    /** One loaded model and the users that hold it. */
    static final class Model {
        final Key key;
        /** Guarded by {@link #LOCK}. */
        private int users;
        private volatile LlamaModel model;
        private volatile GgufFile gguf;
        private volatile LlamaCppSettings.Plan plan;
        private volatile SlotScheduler scheduler;
        private final AtomicInteger taskLoopWaits = new AtomicInteger();
        /** Held while the task loop is used without a user ({@link #awaitTaskLoop}) or ended. */
        private final Object loopLock = new Object();
        /** Guarded by {@link #loopLock}. */
        private boolean loopEnded;

        private Model(Key key) {
            this.key = key;
        }

        LlamaModel model() {
            return model;
        }

        GgufFile gguf() {
            return gguf;
        }

        LlamaCppSettings.Plan plan() {
            return plan;
        }

        /** The slots' scheduler, or null where requests cannot be pinned to slots ({@link SlotPin#AVAILABLE}). */
        SlotScheduler scheduler() {
            return scheduler;
        }

        /** How often {@link #awaitTaskLoop} got its answer. */
        int taskLoopWaits() {
            return taskLoopWaits.get();
        }

        /** Whether its task loop was ended (see "Policy" in the class comment); it is then never used again. */
        boolean loopEnded() {
            synchronized (loopLock) {
                return loopEnded;
            }
        }

        /** Ends the task loop of this idle model, which was removed from {@link #MODELS}, so it is never used again. */
        private void endTaskLoop() {
            synchronized (loopLock) {
                if (loopEnded) {
                    return;
                }
                loopEnded = true;
                model.close();
            }
        }

        /** Backends holding this model now. */
        int users() {
            synchronized (LOCK) {
                return users;
            }
        }

        private synchronized void ensureLoaded(LlamaCppSettings settings, GgufFile file, LlamaCppSettings.Plan p) {
            if (model != null) {
                return;
            }
            warnAboutIdleModels(this);
            log.debug("loading {} with llama.cpp parameters {}", settings.modelPath(), p.args());
            long t0 = System.nanoTime();
            LlamaModel m;
            try {
                m = Parallel.onThreadOfItsOwn("dro4j-llama-load", () -> new LlamaModel(p.parameters()));
            } catch (RuntimeException e) {
                throw new ModelLoadException("llama.cpp could not load " + settings.modelPath().toAbsolutePath()
                        + " (architecture \"" + file.architecture() + "\"): " + e.getMessage(), e);
            }
            if (!hasNativeHandle(m)) {
                throw new ModelLoadException("llama.cpp rejected the parameters " + p.args() + " for "
                        + settings.modelPath() + "; set DRO4J_NATIVE_LOG=1 to see its message");
            }
            if (!NativeLibrary.nativeLogsEnabled()) {
                NativeLibrary.routeLogsToSlf4j();
            }
            LOADS.incrementAndGet();
            endIdleTaskLoops(this);
            warnAboutOpenMp(this);
            log.info("Loaded {} in {} ms (context {} tokens x {} slot(s), {} GPU layer(s))",
                    settings.modelPath().getFileName(), (System.nanoTime() - t0) / 1_000_000, p.contextPerSlot(),
                    settings.parallelSlots(), p.gpuLayers());
            if (SlotPin.AVAILABLE) {
                scheduler = new SlotScheduler(p.parallelSlots());
            } else {
                log.warn("Cannot pin requests to llama.cpp slots with this binding; prefix reuse is left to llama.cpp"
                        + " and evaluated prompt tokens are not counted");
            }
            gguf = file;
            plan = p;
            model = m;
        }

        /**
         * Waits until llama.cpp's task loop has processed every task posted before (cancellations included), so that
         * it computes nothing more for requests that have ended: sends a completion with an empty token list, which
         * llama.cpp answers without evaluating anything, on a slot that no request holds, and waits for its answer.
         * Meant for when no request of this model runs (else that request's next batch may still be computed).
         *
         * @return whether the answer came; false if no slot became free by the deadline, or where requests cannot be
         *         pinned to slots
         */
        boolean awaitTaskLoop(long deadlineNanos) {
            synchronized (loopLock) {
                return !loopEnded && awaitTaskLoopRunning(deadlineNanos);
            }
        }

        private boolean awaitTaskLoopRunning(long deadlineNanos) {
            if (scheduler == null) {
                return false;
            }
            SlotScheduler.Lease lease;
            try {
                lease = scheduler.acquire(new int[0], deadlineNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (lease == null) {
                return false;
            }
            try {
                InferenceParameters p = new InferenceParameters("").setNPredict(1);
                SlotPin.pin(p, lease.slot());
                SlotPin.emptyTokenPrompt(p);
                LlamaIterator it = (LlamaIterator) model.generate(p).iterator();
                while (it.hasNext()) {
                    it.next();
                }
                taskLoopWaits.incrementAndGet();
                return true;
            } catch (RuntimeException e) {
                log.debug("llama.cpp's task loop did not answer the barrier: {}", e.toString());
                return false;
            } finally {
                scheduler.releaseUnused(lease); // nothing was evaluated: the slot holds what it held
            }
        }
    }

    /**
     * Takes the model these settings load, loading it if no backend holds or left it. Every call must be matched by
     * one {@link #release}.
     *
     * @throws ModelLoadException       if the file is missing or not a valid GGUF, or llama.cpp fails to load it
     * @throws dro.InvalidRequestException if a setting cannot be honoured
     */
    static Model acquire(LlamaCppSettings settings, Path nativeLibraryPath, GpuInfo gpuInfo) {
        GgufFile gguf = GgufFile.read(settings.modelPath());
        NativeLibrary.ensureLoaded(nativeLibraryPath, settings.numGpus());
        LlamaCppSettings.Plan plan = settings.plan(gguf, NativeLibrary.isCustom(), gpuInfo,
                NativeLibrary.nativeLogsEnabled());
        Key key = key(settings.modelPath(), plan);
        Model m;
        synchronized (LOCK) {
            m = MODELS.computeIfAbsent(key, Model::new);
            m.users++;
        }
        try {
            m.ensureLoaded(settings, gguf, plan);
        } catch (RuntimeException e) {
            release(m);
            throw e;
        }
        return m;
    }

    /**
     * Gives a model back; the last user leaves it loaded and idle for the next (see the class comment).
     *
     * @return whether that was the last user
     */
    static boolean release(Model m) {
        synchronized (LOCK) {
            if (m.users <= 0) {
                throw new IllegalStateException("released more often than acquired: " + m.key.file());
            }
            m.users--;
            if (m.users == 0 && m.model == null) {
                MODELS.remove(m.key, m); // its load failed: nothing is kept
            } else if (m.users == 0) {
                log.debug("{} is idle: kept loaded for the next model of this file and these settings",
                        m.key.file().getFileName());
            }
            return m.users == 0;
        }
    }

    /** Models loaded by this JVM so far (a load that failed does not count). */
    static int loads() {
        return LOADS.get();
    }

    private static Key key(Path file, LlamaCppSettings.Plan plan) {
        try {
            Path real = file.toRealPath();
            BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
            List<String> args = new ArrayList<>(plan.args());
            int at = args.indexOf("--model");
            if (at >= 0 && at + 1 < args.size()) {
                args.subList(at, at + 2).clear(); // the path as given; the key has the canonical one
            }
            return new Key(real, a.size(), a.lastModifiedTime(), List.copyOf(args));
        } catch (IOException e) {
            throw new ModelLoadException("Cannot read " + file.toAbsolutePath() + ": " + e, e);
        }
    }

    private static void warnAboutIdleModels(Model loading) {
        Map<String, Integer> idle = new LinkedHashMap<>();
        int count = 0;
        boolean changedOnDisk = false;
        synchronized (LOCK) {
            for (Model m : MODELS.values()) {
                if (m == loading || m.model == null) {
                    continue;
                }
                if (m.users == 0) {
                    idle.merge(m.key.file().getFileName().toString(), 1, Integer::sum);
                    count++;
                }
                if (m.key.file().equals(loading.key.file()) && (m.key.size() != loading.key.size()
                        || !m.key.modified().equals(loading.key.modified()))) {
                    changedOnDisk = true;
                }
            }
        }
        if (changedOnDisk) {
            log.warn("{} changed on disk since it was loaded: loading it again; the earlier load stays in memory"
                    + " (java-llama.cpp cannot free a model)", loading.key.file());
        }
        if (count == 0) {
            return;
        }
        StringBuilder names = new StringBuilder();
        idle.forEach((name, n) -> names.append(names.length() == 0 ? "" : ", ").append(name)
                .append(n > 1 ? " x" + n : ""));
        if (!WARNED_IDLE.getAndSet(true)) {
            log.warn("Loading {} while {} closed model(s) stay loaded and idle ({}): java-llama.cpp cannot free a"
                    + " model, so this process now holds one more. {} (logged at INFO from now on)",
                    loading.key.file().getFileName(), count, names, NativeLibrary.usesOpenMp()
                            ? "With this OpenMP library the idle ones are then ended and opening them again loads them"
                            + " again: load a model once and keep it open, or use one local model per JVM"
                            : "Reopen a model with the same file and settings to reuse it");
        } else {
            log.info("Loading {} while {} closed model(s) stay loaded and idle ({})",
                    loading.key.file().getFileName(), count, names);
        }
    }

    /**
     * With an OpenMP library, models loaded at once slow each other's decoding down: each model's task loop keeps a team
     * of OpenMP threads, and once they outnumber the cores OpenMP's barriers sleep and wake instead of spinning
     * (docs/BENCHMARKS.md, "Where the time goes"). Idle models were ended by {@link #endIdleTaskLoops} before this;
     * models in use cannot be. Says so at WARN the first time, then at INFO.
     */
    private static void warnAboutOpenMp(Model loaded) {
        if (!NativeLibrary.usesOpenMp()) {
            return;
        }
        List<String> others = new ArrayList<>();
        synchronized (LOCK) {
            for (Model m : MODELS.values()) {
                if (m != loaded && m.model != null) {
                    others.add(m.key.file().getFileName().toString());
                }
            }
        }
        if (others.isEmpty()) {
            return;
        }
        String message = "{} is loaded beside {} other model(s) ({}), and this llama.cpp library runs its CPU threads"
                + " with OpenMP: their OpenMP threads now outnumber the cores, which slows every model's decoding down"
                + " (to 0.28-0.50x of one model alone, measured with the bundled library). Use one local model per"
                + " JVM, or a library without OpenMP: bin/dro native build";
        if (!WARNED_OPENMP.getAndSet(true)) {
            log.warn(message, loaded.key.file().getFileName(), others.size(), String.join(", ", others));
        } else {
            log.info(message, loaded.key.file().getFileName(), others.size(), String.join(", ", others));
        }
    }

    /**
     * With an OpenMP library, ends the task loops of the models that lie idle when another model has been loaded, and
     * forgets them, so that their OpenMP threads do not slow the loaded model down (see "Policy" above).
     */
    private static void endIdleTaskLoops(Model loaded) {
        if (!NativeLibrary.usesOpenMp()) {
            return;
        }
        List<Model> idle = new ArrayList<>();
        synchronized (LOCK) {
            for (Model m : List.copyOf(MODELS.values())) {
                if (m != loaded && m.model != null && m.users == 0) {
                    MODELS.remove(m.key, m);
                    idle.add(m);
                }
            }
        }
        for (Model m : idle) {
            m.endTaskLoop();
            log.info("Ended the task loop of the idle model {} so that its OpenMP threads do not slow {} down; opening"
                    + " it again loads it again, and the memory it holds stays taken (java-llama.cpp cannot free a"
                    + " model)", m.key.file().getFileName(), loaded.key.file().getFileName());
        }
    }

    /** Makes the next OpenMP warning a WARN again (for tests, which log at WARN and above). */
    static void warnAboutOpenMpAgain() {
        WARNED_OPENMP.set(false);
    }

    private static boolean hasNativeHandle(LlamaModel model) {
        try {
            Field f = LlamaModel.class.getDeclaredField("ctx");
            f.setAccessible(true);
            return f.getLong(model) != 0L;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("cannot check the native handle: {}", e.toString());
            return true;
        }
    }
}
