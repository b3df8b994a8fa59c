package dro.testing;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Writes tiny llama-architecture GGUF models for tests and benchmarks, so that the real llama.cpp path runs
 * with nothing downloaded.
 *
 * <h2>Vocabulary</h2>
 * A SentencePiece-style ("llama") vocabulary of {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte tokens
 * {@code <0x00>..<0xFF>} and one normal token {@code ▁} (a space). Every ASCII character is therefore one token,
 * and text round-trips through the tokenizer.
 *
 * <h2>Two kinds of weights</h2>
 * <ul>
 *   <li>{@link #scripted}: attention and feed-forward outputs are zero and embeddings are one-hot, so the model is
 *   an exact bigram table: after character {@code c} it always emits the character that follows {@code c} in the
 *   script (cyclically). Greedy output is therefore known in advance.</li>
 *   <li>{@link #random}: Gaussian weights from a seed; output depends on the whole context.</li>
 * </ul>
 */
public final class TinyGguf {

    /** A minimal Jinja chat template (role headers, end marks, generation prompt). */
    public static final String CHAT_TEMPLATE =
            "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n{% endfor %}"
                    + "{% if add_generation_prompt %}<|assistant|>\n{% endif %}";

    public static final int BYTE_OFFSET = 3;
    public static final int SPACE_TOKEN = BYTE_OFFSET + 256;
    public static final int VOCAB_SIZE = SPACE_TOKEN + 1;

    private static final int ALIGNMENT = 32;
    private static final int T_UINT32 = 4, T_INT32 = 5, T_FLOAT32 = 6, T_BOOL = 7, T_STRING = 8, T_ARRAY = 9;

    private final Map<String, Object[]> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    /** ggml tensor types written here (GGUF type ids). */
    private static final int F32 = 0, F16 = 1, Q4_K = 12, Q6_K = 14;
    /** Values per super-block of the k-quants, and bytes per super-block of Q4_K and Q6_K. */
    private static final int QK_K = 256, Q4_K_BYTES = 144, Q6_K_BYTES = 210;

    /**
     * A tensor of a ggml type whose bytes are made when the file is written (F32 values given now, or F16 and
     * quantised values drawn then, to keep big models out of memory).
     */
    private record Tensor(String name, long[] shape, int type, Supplier<byte[]> content) {

        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        long bytes() {
            return switch (type) {
                case F32 -> elements() * 4;
                case F16 -> elements() * 2;
                case Q4_K -> elements() / QK_K * Q4_K_BYTES;
                case Q6_K -> elements() / QK_K * Q6_K_BYTES;
                default -> throw new IllegalStateException("type " + type);
            };
        }
    }

    private TinyGguf() { }

    /**
     * A model that, after any character of {@code script} (and after a newline), emits the next character of
     * {@code script}, cyclically. With script {@code "Hi<END>"} and a prompt ending in {@code >} or a newline,
     * greedy decoding yields {@code Hi<END>Hi<END>...}.
     */
    public static Path scripted(Path file, String script, String chatTemplate, int contextLength) throws IOException {
        return scriptedModel(script, chatTemplate, contextLength).write(file);
    }

    private static TinyGguf scriptedModel(String script, String chatTemplate, int contextLength) {
        int vocab = VOCAB_SIZE;
        int embd = 264; // one-hot needs embd >= vocab; a multiple of the head count
        int ff = 32;
        TinyGguf g = base("dro4j-scripted", embd, ff, 1, 4, 4, contextLength, chatTemplate);
        float[] out = scriptOutput(script, embd);
        g.tensor("token_embd.weight", oneHotEmbeddings(embd), embd, vocab);
        g.tensor("output_norm.weight", fill(embd, 1f), embd);
        g.tensor("output.weight", out, embd, vocab);
        g.block(0, embd, ff, embd, null);
        return g;
    }

    /**
     * A model whose answer depends on the whole context through attention, with margins far above float noise, so that
     * its greedy output does not depend on how llama.cpp batches requests or where their cells lie in the KV cache
     * (which flips near-tied tokens of a {@link #random} model). One layer attends uniformly to every position and
     * counts the digits {@code 0..9} in the context; the model then emits the digit that occurs most, and keeps
     * emitting it (each emitted digit raises its own count). A context without digits gets the scripted answer of
     * {@link #scripted} with {@code script}. Give queries a unique most frequent digit: a tie is broken by float
     * noise.
     */
    public static Path majorityDigit(Path file, String script, String chatTemplate, int contextLength)
            throws IOException {
        int vocab = VOCAB_SIZE;
        int embd = 280; // one-hot token dims 0..259, digit counts at COUNTS..COUNTS+9; 4 heads of 70
        int counts = 264;
        int ff = 32;
        TinyGguf g = base("dro4j-majority-digit", embd, ff, 1, 4, 4, contextLength, chatTemplate);
        float[] out = scriptOutput(script, embd);
        // Queries and keys are zero, so attention is uniform over the context; the values copy each digit's one-hot
        // dimension into value dimension d, and the output projection moves it to the residual dimension COUNTS + d.
        float[] v = new float[embd * embd];
        float[] o = new float[embd * embd];
        for (int d = 0; d < 10; d++) {
            int token = tokenOfByte((byte) ('0' + d));
            v[d * embd + token] = 1f;
            o[(counts + d) * embd + d] = 1f;
            // A digit's logit is about 2.8e7 x its share of the context; the script's is 167, so one digit among
            // 100,000 positions still wins, and each further occurrence adds far more than float noise.
            out[token * embd + counts + d] = 1e5f;
        }
        g.tensor("token_embd.weight", oneHotEmbeddings(embd), embd, vocab);
        g.tensor("output_norm.weight", fill(embd, 1f), embd);
        g.tensor("output.weight", out, embd, vocab);
        String p = "blk.0.";
        g.tensor(p + "attn_norm.weight", fill(embd, 1f), embd);
        g.tensor(p + "attn_q.weight", new float[embd * embd], embd, embd);
        g.tensor(p + "attn_k.weight", new float[embd * embd], embd, embd);
        g.tensor(p + "attn_v.weight", v, embd, embd);
        g.tensor(p + "attn_output.weight", o, embd, embd);
        g.tensor(p + "ffn_norm.weight", fill(embd, 1f), embd);
        g.tensor(p + "ffn_gate.weight", new float[embd * ff], embd, ff);
        g.tensor(p + "ffn_up.weight", new float[embd * ff], embd, ff);
        g.tensor(p + "ffn_down.weight", new float[ff * embd], ff, embd);
        return g.write(file);
    }

    /** Token embeddings where token {@code t} is the unit vector of dimension {@code t} ({@code embd >= vocab}). */
    private static float[] oneHotEmbeddings(int embd) {
        float[] e = new float[embd * VOCAB_SIZE];
        for (int t = 0; t < VOCAB_SIZE; t++) {
            e[t * embd + t] = 1f;
        }
        return e;
    }

    /**
     * Output weights over one-hot embeddings that make a bigram table: after each character of {@code script} (and
     * after a newline, the end of a chat generation prompt) the next character of {@code script}, cyclically.
     */
    private static float[] scriptOutput(String script, int embd) {
        float[] out = new float[embd * VOCAB_SIZE];
        byte[] s = script.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < s.length; i++) {
            out[tokenOfByte(s[(i + 1) % s.length]) * embd + tokenOfByte(s[i])] = 10f;
        }
        out[tokenOfByte(s[0]) * embd + tokenOfByte((byte) '\n')] = 10f;
        return out;
    }

    /**
     * A bigram model: after character {@code c} it emits each successor {@code s} in {@code next.get(c)} with a logit
     * proportional to its weight (successors of equal weight are equally likely, so sampling picks among them by the
     * seed); the successor {@code '\0'} stands for the end-of-sequence token. Characters are ASCII.
     */
    public static Path bigram(Path file, Map<Character, Map<Character, Float>> next, String chatTemplate,
                              int contextLength) throws IOException {
        int embd = 264;
        TinyGguf g = base("dro4j-bigram", embd, 32, 1, 4, 4, contextLength, chatTemplate);
        float[] out = new float[embd * VOCAB_SIZE];
        next.forEach((c, successors) -> successors.forEach((n, w) -> {
            int to = n == '\0' ? 2 : tokenOfByte((byte) n.charValue());
            out[to * embd + tokenOfByte((byte) c.charValue())] = w;
        }));
        g.tensor("token_embd.weight", oneHotEmbeddings(embd), embd, VOCAB_SIZE);
        g.tensor("output_norm.weight", fill(embd, 1f), embd);
        g.tensor("output.weight", out, embd, VOCAB_SIZE);
        g.block(0, embd, 32, embd, null);
        return g.write(file);
    }

    /**
     * Like {@link #scripted(Path, String, String, int)}, with extra metadata: each entry is added after the standard
     * keys, or replaces a standard key (such as {@code general.name}) in place. Values may be String, Integer
     * (written as uint32) or Boolean.
     */
    public static Path scripted(Path file, String script, String chatTemplate, int contextLength,
                                Map<String, Object> extraMetadata) throws IOException {
        TinyGguf g = scriptedModel(script, chatTemplate, contextLength);
        g.extra(extraMetadata);
        return g.write(file);
    }

    /**
     * A GGUF file with only the given metadata (besides {@code general.architecture = llama}) and no tensors: enough
     * for tests of metadata readers, not loadable by llama.cpp. Values may be String, Integer (uint32) or Boolean.
     */
    public static Path metadataOnly(Path file, Map<String, Object> metadata) throws IOException {
        TinyGguf g = new TinyGguf();
        g.kv("general.architecture", T_STRING, "llama");
        g.extra(metadata);
        return g.write(file);
    }

    private void extra(Map<String, Object> extraMetadata) {
        for (Map.Entry<String, Object> e : extraMetadata.entrySet()) {
            Object v = e.getValue();
            if (v instanceof String) {
                kv(e.getKey(), T_STRING, v);
            } else if (v instanceof Integer) {
                kv(e.getKey(), T_UINT32, v);
            } else if (v instanceof Boolean) {
                kv(e.getKey(), T_BOOL, v);
            } else {
                throw new IllegalArgumentException("metadata " + e.getKey() + " has a value of " + v.getClass());
            }
        }
    }

    /** A model with seeded Gaussian weights whose output depends on the whole context. */
    public static Path random(Path file, long seed, int embd, int layers, int heads, int ff, int contextLength,
                              String chatTemplate) throws IOException {
        TinyGguf g = base("dro4j-random", embd, ff, layers, heads, heads, contextLength, chatTemplate);
        Random rnd = new Random(seed);
        g.tensor("token_embd.weight", gaussian(rnd, embd * VOCAB_SIZE, 1f), embd, VOCAB_SIZE);
        g.tensor("output_norm.weight", fill(embd, 1f), embd);
        g.tensor("output.weight", gaussian(rnd, embd * VOCAB_SIZE, 0.5f), embd, VOCAB_SIZE);
        for (int i = 0; i < layers; i++) {
            g.block(i, embd, ff, embd, rnd);
        }
        return g.write(file);
    }

    /**
     * Like {@link #random}, with the matrices stored as F16 (half the size) and drawn while the file is written, so
     * that models of about 100M parameters (embd 768, 12 layers, ff 3072: 113M) can be generated in seconds without
     * holding them in memory. Norm weights stay F32, as in converted models. Its own seeded sequence: not the same
     * weights as {@link #random} with that seed.
     */
    public static Path randomF16(Path file, long seed, int embd, int layers, int heads, int ff, int contextLength,
                                 String chatTemplate) throws IOException {
        TinyGguf g = base("dro4j-random-f16", embd, ff, layers, heads, heads, contextLength, chatTemplate);
        SplittableRandom rnd = new SplittableRandom(seed);
        float std = (float) (1.0 / Math.sqrt(embd));
        g.lazyF16("token_embd.weight", rnd, 1f, embd, VOCAB_SIZE);
        g.tensor("output_norm.weight", fill(embd, 1f), embd);
        g.lazyF16("output.weight", rnd, 0.5f, embd, VOCAB_SIZE);
        for (int i = 0; i < layers; i++) {
            String p = "blk." + i + ".";
            g.tensor(p + "attn_norm.weight", fill(embd, 1f), embd);
            g.lazyF16(p + "attn_q.weight", rnd, std, embd, embd);
            g.lazyF16(p + "attn_k.weight", rnd, std, embd, embd);
            g.lazyF16(p + "attn_v.weight", rnd, std, embd, embd);
            g.lazyF16(p + "attn_output.weight", rnd, std, embd, embd);
            g.tensor(p + "ffn_norm.weight", fill(embd, 1f), embd);
            g.lazyF16(p + "ffn_gate.weight", rnd, std, embd, ff);
            g.lazyF16(p + "ffn_up.weight", rnd, std, embd, ff);
            g.lazyF16(p + "ffn_down.weight", rnd, (float) (1.0 / Math.sqrt(ff)), ff, embd);
        }
        return g.write(file);
    }

    /** {@code general.file_type} of llama.cpp's Q4_K_M mixture ({@code LLAMA_FTYPE_MOSTLY_Q4_K_M}). */
    public static final int FILE_TYPE_Q4_K_M = 15;

    /**
     * Like {@link #randomF16}, in llama.cpp's Q4_K_M mixture, the format of most published GGUF models: Q6_K for
     * {@code output.weight} and, in the layers {@link #q4kmMoreBits} picks (half of them), for {@code attn_v} and
     * {@code ffn_down}; Q4_K for the token embeddings and every other matrix; norm weights F32;
     * {@code general.file_type} {@value #FILE_TYPE_Q4_K_M}. The quantised blocks are drawn at random (nothing is
     * quantised), scaled so that the weights have about the standard deviations {@link #randomF16} uses, and written
     * while the file is written. {@code embd} and {@code ff} must be multiples of 256 (a k-quant block). Embd 768,
     * 12 layers, ff 1536 make 71.2M parameters in 41 MiB.
     *
     * <ul>
     *   <li>Q4_K (ggml type 12), 144 bytes per 256 values: f16 {@code d}, f16 {@code dmin}, 12 bytes of 6-bit scales
     *   and mins of the 8 sub-blocks of 32, then 128 bytes of 4-bit quants; a value is {@code d·sc·q − dmin·m}.
     *   Here {@code m = sc} and {@code dmin = 7.5·d}, so each sub-block is centred on zero.</li>
     *   <li>Q6_K (type 14), 210 bytes per 256: 128 bytes of low 4 bits, 64 of high 2 bits, 16 int8 scales (one per
     *   16 values), f16 {@code d}; a value is {@code d·scale·(q − 32)}.</li>
     * </ul>
     */
    public static Path randomQ4KM(Path file, long seed, int embd, int layers, int heads, int ff, int contextLength,
                                  String chatTemplate) throws IOException {
        if (embd % QK_K != 0 || ff % QK_K != 0) {
            throw new IllegalArgumentException("Q4_K_M needs embd and ff that are multiples of " + QK_K
                    + ", but they were " + embd + " and " + ff);
        }
        TinyGguf g = base("dro4j-random-q4_k_m", embd, ff, layers, heads, heads, contextLength, chatTemplate);
        g.kv("general.file_type", T_UINT32, FILE_TYPE_Q4_K_M);
        SplittableRandom rnd = new SplittableRandom(seed);
        float std = (float) (1.0 / Math.sqrt(embd));
        g.lazyQuant("token_embd.weight", Q4_K, rnd, 1f, embd, VOCAB_SIZE);
        g.tensor("output_norm.weight", fill(embd, 1f), embd);
        g.lazyQuant("output.weight", Q6_K, rnd, 0.5f, embd, VOCAB_SIZE);
        for (int i = 0; i < layers; i++) {
            String p = "blk." + i + ".";
            int more = q4kmMoreBits(i, layers) ? Q6_K : Q4_K;
            g.tensor(p + "attn_norm.weight", fill(embd, 1f), embd);
            g.lazyQuant(p + "attn_q.weight", Q4_K, rnd, std, embd, embd);
            g.lazyQuant(p + "attn_k.weight", Q4_K, rnd, std, embd, embd);
            g.lazyQuant(p + "attn_v.weight", more, rnd, std, embd, embd);
            g.lazyQuant(p + "attn_output.weight", Q4_K, rnd, std, embd, embd);
            g.tensor(p + "ffn_norm.weight", fill(embd, 1f), embd);
            g.lazyQuant(p + "ffn_gate.weight", Q4_K, rnd, std, embd, ff);
            g.lazyQuant(p + "ffn_up.weight", Q4_K, rnd, std, embd, ff);
            g.lazyQuant(p + "ffn_down.weight", more, rnd, (float) (1.0 / Math.sqrt(ff)), ff, embd);
        }
        return g.write(file);
    }

    /**
     * Whether layer {@code i} of {@code n} gets Q6_K for {@code attn_v} and {@code ffn_down} in the Q4_K_M mixture:
     * the first and the last eighth of the layers, and every third layer between (as llama.cpp's quantizer chooses;
     * for 12 layers: 0, 3, 6, 9, 10, 11).
     */
    public static boolean q4kmMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    /** The mean of {@code k²} over {@code k = lo..hi}. */
    private static double meanSquare(int lo, int hi) {
        double sum = 0;
        for (int k = lo; k <= hi; k++) {
            sum += (double) k * k;
        }
        return sum / (hi - lo + 1);
    }

    /** Random Q4_K or Q6_K blocks whose values have about the standard deviation {@code std}. */
    private void lazyQuant(String name, int type, SplittableRandom rnd, float std, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        int blocks = Math.toIntExact(n / QK_K);
        tensors.add(new Tensor(name, shape, type, () -> type == Q4_K ? q4k(rnd, blocks, std) : q6k(rnd, blocks, std)));
    }

    /** Q4_K blocks: sub-block scales 32..63, mins equal to the scales, dmin = 7.5·d, quants uniform 0..15. */
    private static byte[] q4k(SplittableRandom rnd, int blocks, float std) {
        // Var(q − 7.5) = (16² − 1) / 12 for q uniform in 0..15.
        float d = (float) (std / Math.sqrt(meanSquare(32, 63) * (16 * 16 - 1) / 12.0));
        ByteBuffer buf = ByteBuffer.allocate(blocks * Q4_K_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int[] sc = new int[8];
        byte[] quants = new byte[QK_K / 2];
        for (int b = 0; b < blocks; b++) {
            buf.putShort(toHalf(d));
            buf.putShort(toHalf(7.5f * d));
            for (int j = 0; j < 8; j++) {
                sc[j] = 32 + rnd.nextInt(32);
            }
            int[] m = sc; // each sub-block's min is d·sc·7.5
            // Bytes 0..3: scales 0..3 in the low 6 bits, the top 2 bits of scales 4..7 above them; bytes 4..7 the
            // same for the mins; bytes 8..11: the low 4 bits of scale 4..7 (low nibble) and of min 4..7 (high).
            for (int j = 0; j < 4; j++) {
                buf.put((byte) ((sc[j] & 63) | ((sc[j + 4] >> 4) << 6)));
            }
            for (int j = 0; j < 4; j++) {
                buf.put((byte) ((m[j] & 63) | ((m[j + 4] >> 4) << 6)));
            }
            for (int j = 4; j < 8; j++) {
                buf.put((byte) ((sc[j] & 15) | ((m[j] & 15) << 4)));
            }
            rnd.nextBytes(quants);
            buf.put(quants);
        }
        return buf.array();
    }

    /** Q6_K blocks: quants uniform 0..63, scales ±8..15 with a random sign. */
    private static byte[] q6k(SplittableRandom rnd, int blocks, float std) {
        // E[(q − 32)²] = (64² − 1) / 12 + 0.5² for q uniform in 0..63.
        float d = (float) (std / Math.sqrt(meanSquare(8, 15) * ((64 * 64 - 1) / 12.0 + 0.25)));
        ByteBuffer buf = ByteBuffer.allocate(blocks * Q6_K_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        byte[] quants = new byte[QK_K / 2 + QK_K / 4];
        for (int b = 0; b < blocks; b++) {
            rnd.nextBytes(quants); // ql (low 4 bits) and qh (high 2 bits) together
            buf.put(quants);
            for (int j = 0; j < QK_K / 16; j++) {
                int s = 8 + rnd.nextInt(8);
                buf.put((byte) (rnd.nextBoolean() ? s : -s));
            }
            buf.putShort(toHalf(d));
        }
        return buf.array();
    }

    /** Parameters of a {@link #random}/{@link #randomF16}/{@link #randomQ4KM} model with these sizes. */
    public static long parameterCount(int embd, int layers, int ff) {
        long perLayer = 4L * embd * embd + 3L * embd * ff + 2L * embd;
        return 2L * embd * VOCAB_SIZE + embd + layers * perLayer;
    }

    private void lazyF16(String name, SplittableRandom rnd, float std, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        int count = Math.toIntExact(n);
        tensors.add(new Tensor(name, shape, F16, () -> {
            ByteBuffer buf = ByteBuffer.allocate(count * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                buf.putShort(toHalf((float) rnd.nextGaussian() * std));
            }
            return buf.array();
        }));
    }

    /** IEEE 754 half precision of {@code f}, rounded to nearest. */
    static short toHalf(float f) {
        if (Float.isNaN(f)) {
            return (short) 0x7e00;
        }
        int sign = f < 0 || (f == 0 && 1 / f < 0) ? 0x8000 : 0;
        float abs = Math.abs(f);
        if (abs >= 65520f) {
            return (short) (sign | 0x7c00); // rounds to infinity
        }
        if (abs < 0x1.0p-14f) {
            return (short) (sign | Math.round(abs * 0x1.0p24f)); // subnormal (1024 becomes the smallest normal)
        }
        int exp = Math.getExponent(abs);
        int mantissa = Math.round((Math.scalb(abs, -exp) - 1f) * 1024f);
        int e = exp + 15;
        if (mantissa == 1024) {
            mantissa = 0;
            e++;
        }
        return (short) (sign | (e << 10) | mantissa);
    }

    /** The token id of one byte. */
    public static int tokenOfByte(byte b) {
        return b == ' ' ? SPACE_TOKEN : BYTE_OFFSET + (b & 0xff);
    }

    private static TinyGguf base(String name, int embd, int ff, int layers, int heads, int headsKv, int ctx,
                                 String chatTemplate) {
        TinyGguf g = new TinyGguf();
        g.kv("general.architecture", T_STRING, "llama");
        g.kv("general.name", T_STRING, name);
        g.kv("general.alignment", T_UINT32, ALIGNMENT);
        g.kv("llama.context_length", T_UINT32, ctx);
        g.kv("llama.embedding_length", T_UINT32, embd);
        g.kv("llama.block_count", T_UINT32, layers);
        g.kv("llama.feed_forward_length", T_UINT32, ff);
        g.kv("llama.attention.head_count", T_UINT32, heads);
        g.kv("llama.attention.head_count_kv", T_UINT32, headsKv);
        g.kv("llama.rope.dimension_count", T_UINT32, embd / heads);
        g.kv("llama.attention.layer_norm_rms_epsilon", T_FLOAT32, 1e-5f);
        g.kv("llama.vocab_size", T_UINT32, VOCAB_SIZE);
        String[] tokens = new String[VOCAB_SIZE];
        float[] scores = new float[VOCAB_SIZE];
        int[] types = new int[VOCAB_SIZE];
        tokens[0] = "<unk>";
        types[0] = 2;
        tokens[1] = "<s>";
        types[1] = 3;
        tokens[2] = "</s>";
        types[2] = 3;
        for (int b = 0; b < 256; b++) {
            tokens[BYTE_OFFSET + b] = String.format("<0x%02X>", b);
            types[BYTE_OFFSET + b] = 6;
        }
        tokens[SPACE_TOKEN] = "\u2581";
        types[SPACE_TOKEN] = 1;
        scores[SPACE_TOKEN] = -1f;
        g.kv("tokenizer.ggml.model", T_STRING, "llama");
        g.kv("tokenizer.ggml.tokens", T_ARRAY, tokens);
        g.kv("tokenizer.ggml.scores", T_ARRAY, scores);
        g.kv("tokenizer.ggml.token_type", T_ARRAY, types);
        g.kv("tokenizer.ggml.unknown_token_id", T_UINT32, 0);
        g.kv("tokenizer.ggml.bos_token_id", T_UINT32, 1);
        g.kv("tokenizer.ggml.eos_token_id", T_UINT32, 2);
        g.kv("tokenizer.ggml.add_bos_token", T_BOOL, false);
        g.kv("tokenizer.ggml.add_eos_token", T_BOOL, false);
        g.kv("tokenizer.ggml.add_space_prefix", T_BOOL, false);
        if (chatTemplate != null) {
            g.kv("tokenizer.chat_template", T_STRING, chatTemplate);
        }
        return g;
    }

    private void block(int i, int embd, int ff, int embdKv, Random rnd) {
        String p = "blk." + i + ".";
        float std = rnd == null ? 0f : (float) (1.0 / Math.sqrt(embd));
        tensor(p + "attn_norm.weight", fill(embd, 1f), embd);
        tensor(p + "attn_q.weight", gaussian(rnd, embd * embd, std), embd, embd);
        tensor(p + "attn_k.weight", gaussian(rnd, embd * embdKv, std), embd, embdKv);
        tensor(p + "attn_v.weight", gaussian(rnd, embd * embdKv, std), embd, embdKv);
        tensor(p + "attn_output.weight", gaussian(rnd, embd * embd, std), embd, embd);
        tensor(p + "ffn_norm.weight", fill(embd, 1f), embd);
        tensor(p + "ffn_gate.weight", gaussian(rnd, embd * ff, std), embd, ff);
        tensor(p + "ffn_up.weight", gaussian(rnd, embd * ff, std), embd, ff);
        tensor(p + "ffn_down.weight", gaussian(rnd, ff * embd, rnd == null ? 0f : (float) (1.0 / Math.sqrt(ff))), ff, embd);
    }

    private static float[] fill(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static float[] gaussian(Random rnd, int n, float std) {
        float[] a = new float[n];
        if (rnd != null && std != 0f) {
            for (int i = 0; i < n; i++) {
                a[i] = (float) rnd.nextGaussian() * std;
            }
        }
        return a;
    }

    private void kv(String key, int type, Object value) {
        metadata.put(key, new Object[] {type, value});
    }

    private void tensor(String name, float[] data, long... shape) {
        tensors.add(new Tensor(name, shape, F32, () -> {
            ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(data);
            return buf.array();
        }));
    }

    private Path write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            Out out = new Out(os);
            out.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
            out.u32(3);
            out.u64(tensors.size());
            out.u64(metadata.size());
            for (Map.Entry<String, Object[]> e : metadata.entrySet()) {
                out.str(e.getKey());
                int type = (int) e.getValue()[0];
                Object v = e.getValue()[1];
                out.u32(type);
                writeValue(out, type, v);
            }
            long offset = 0;
            for (Tensor t : tensors) {
                out.str(t.name);
                out.u32(t.shape.length);
                for (long d : t.shape) {
                    out.u64(d);
                }
                out.u32(t.type);
                out.u64(offset);
                offset = align(offset + t.bytes());
            }
            out.pad();
            for (Tensor t : tensors) {
                byte[] data = t.content.get();
                if (data.length != t.bytes()) {
                    throw new IllegalStateException(t.name + ": " + data.length + " bytes, expected " + t.bytes());
                }
                out.bytes(data);
                out.pad();
            }
        }
        return file;
    }

    private static void writeValue(Out out, int type, Object v) throws IOException {
        switch (type) {
            case T_UINT32, T_INT32 -> out.u32((Integer) v);
            case T_FLOAT32 -> out.f32((Float) v);
            case T_BOOL -> out.bytes(new byte[] {(byte) (((Boolean) v) ? 1 : 0)});
            case T_STRING -> out.str((String) v);
            case T_ARRAY -> {
                if (v instanceof String[] a) {
                    out.u32(T_STRING);
                    out.u64(a.length);
                    for (String s : a) {
                        out.str(s);
                    }
                } else if (v instanceof float[] a) {
                    out.u32(T_FLOAT32);
                    out.u64(a.length);
                    for (float f : a) {
                        out.f32(f);
                    }
                } else if (v instanceof int[] a) {
                    out.u32(T_INT32);
                    out.u64(a.length);
                    for (int x : a) {
                        out.u32(x);
                    }
                } else {
                    throw new IllegalArgumentException("array of " + v.getClass());
                }
            }
            default -> throw new IllegalArgumentException("type " + type);
        }
    }

    private static long align(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** Little-endian writer that tracks its position for alignment padding. */
    private static final class Out {
        private final OutputStream os;
        private long pos;
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Out(OutputStream os) {
            this.os = os;
        }

        void bytes(byte[] b) throws IOException {
            os.write(b);
            pos += b.length;
        }

        void u32(int v) throws IOException {
            scratch.clear();
            scratch.putInt(v);
            bytes(java.util.Arrays.copyOf(scratch.array(), 4));
        }

        void u64(long v) throws IOException {
            scratch.clear();
            scratch.putLong(v);
            bytes(scratch.array().clone());
        }

        void f32(float v) throws IOException {
            u32(Float.floatToIntBits(v));
        }

        void str(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes(b);
        }

        void pad() throws IOException {
            long padded = align(pos);
            if (padded > pos) {
                bytes(new byte[(int) (padded - pos)]);
            }
        }
    }
}
