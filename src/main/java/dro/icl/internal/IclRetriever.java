package dro.icl.internal;

import dro.icl.IclOrder;
import dro.icl.Embedder;
import dro.icl.IclExample;
import dro.FileAccessException;
import dro.InvalidRequestException;
import dro.internal.AtomicFiles;
import dro.internal.CacheDirs;
import dro.internal.Digests;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ranks in-context examples by the cosine similarity of their query's embedding to a new query's, as DRO does at
 * inference time. The examples' embeddings are computed once: in memory for the life of this object and on disk
 * (under the dro4j cache, keyed by the embedder and the exact example texts), so a new process does not recompute
 * them.
 *
 * <p>Immutable and thread-safe.
 */
public final class IclRetriever {

    private static final Logger log = LoggerFactory.getLogger(IclRetriever.class);

    private final List<IclExample> examples;
    private final Embedder embedder;
    private final float[][] normalized;

    /** A ranked example with its similarity to the query. */
    public record Scored(IclExample example, double similarity) { }

    /**
     * @param cacheDir where embeddings are cached on disk, or null for no disk cache
     */
    public IclRetriever(List<IclExample> examples, Embedder embedder, Path cacheDir) {
        this.examples = List.copyOf(examples);
        this.embedder = embedder;
        this.normalized = loadOrCompute(cacheDir);
    }

    /** With the disk cache under the dro4j cache directory. */
    public IclRetriever(List<IclExample> examples, Embedder embedder) {
        this(examples, embedder, CacheDirs.root().resolve("embeddings"));
    }

    public List<IclExample> examples() {
        return examples;
    }

    /**
     * The {@code k} examples most similar to {@code query}, most similar first; equal similarities keep file order.
     * Fewer than {@code k} when there are fewer examples.
     */
    public List<Scored> topK(String query, int k) {
        return topK(query, k, IclOrder.SIMILARITY);
    }

    /**
     * The {@code k} examples most similar to {@code query}, in the given order: most similar first
     * ({@link IclOrder#SIMILARITY}), or in file order ({@link IclOrder#FILE}).
     */
    public List<Scored> topK(String query, int k, IclOrder order) {
        float[] q = normalize(embedder.embed(query));
        List<Integer> all = new ArrayList<>(examples.size());
        double[] similarity = new double[examples.size()];
        for (int i = 0; i < examples.size(); i++) {
            similarity[i] = dot(q, normalized[i]);
            all.add(i);
        }
        all.sort(Comparator.comparingDouble((Integer i) -> similarity[i]).reversed()); // stable: ties keep file order
        List<Integer> top = new ArrayList<>(all.subList(0, Math.min(k, all.size())));
        if (order == IclOrder.FILE) {
            top.sort(Comparator.naturalOrder());
        }
        return top.stream().map(i -> new Scored(examples.get(i), similarity[i])).toList();
    }

    private float[][] loadOrCompute(Path cacheDir) {
        Path file = cacheDir == null ? null : cacheDir.resolve(embedder.id() + "-" + key() + ".bin");
        if (file != null && Files.isRegularFile(file)) {
            try {
                float[][] cached = read(file);
                if (cached.length == examples.size()) {
                    log.debug("ICL embeddings read from {}", file);
                    return cached;
                }
            } catch (IOException e) {
                log.warn("Ignoring unreadable embedding cache {}: {}", file, e.toString());
            }
        }
        long t0 = System.nanoTime();
        List<float[]> vectors = embedder.embedAll(examples.stream().map(IclExample::query).toList());
        float[][] out = new float[vectors.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = normalize(vectors.get(i));
        }
        log.debug("embedded {} ICL queries in {} ms", out.length, (System.nanoTime() - t0) / 1_000_000);
        if (file != null) {
            try {
                write(file, out);
            } catch (FileAccessException e) {
                log.warn("Cannot write embedding cache {}: {}", file, e.toString());
            }
        }
        return out;
    }

    private String key() {
        MessageDigest md = Digests.sha256();
        for (IclExample e : examples) {
            md.update(e.query().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
        }
        return Digests.hex(md).substring(0, 24);
    }

    private static float[][] read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file); DataInputStream d = new DataInputStream(in)) {
            int n = d.readInt();
            int dim = d.readInt();
            if (n < 0 || dim <= 0 || (long) n * dim * 4 + 8 != Files.size(file)) {
                throw new IOException("bad header");
            }
            float[][] out = new float[n][dim];
            for (float[] row : out) {
                for (int j = 0; j < dim; j++) {
                    row[j] = d.readFloat();
                }
            }
            return out;
        }
    }

    private static void write(Path file, float[][] vectors) {
        AtomicFiles.write(file, out -> {
            DataOutputStream d = new DataOutputStream(out);
            d.writeInt(vectors.length);
            d.writeInt(vectors.length == 0 ? 1 : vectors[0].length);
            for (float[] row : vectors) {
                for (float v : row) {
                    d.writeFloat(v);
                }
            }
            d.flush();
        });
    }

    static float[] normalize(float[] v) {
        double n = 0;
        for (float x : v) {
            n += x * x;
        }
        float[] out = Arrays.copyOf(v, v.length);
        if (n > 0) {
            float inv = (float) (1 / Math.sqrt(n));
            for (int i = 0; i < out.length; i++) {
                out[i] *= inv;
            }
        }
        return out;
    }

    private static double dot(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new InvalidRequestException("The embedder returned vectors of different sizes: " + a.length + " and "
                    + b.length);
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
