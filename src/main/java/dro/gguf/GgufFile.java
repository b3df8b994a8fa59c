package dro.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The header of a GGUF model file: its metadata key-value section and its tensor infos. No tensor data is read.
 *
 * <p>Every length and count in the file is checked against the file's size before anything is allocated, so a
 * truncated or hostile file fails with a {@link GgufException} that names the file and the bad field, instead of
 * reaching llama.cpp (where it could abort the JVM).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class GgufFile {

    /** Arrays longer than this (tokenizer vocabularies, merges) are recorded by length only. */
    static final int MAX_KEPT_ARRAY = 4096;
    private static final int MAX_STRING = 16 << 20;

    /** The most layers {@link #layerBytes()} counts (the largest models have a few hundred). */
    public static final int MAX_LAYERS = 1 << 16;

    private final Path path;
    private final int version;
    private final Map<String, Object> metadata;
    private final List<TensorInfo> tensors;
    private final long dataOffset;

    /** One tensor: its name, shape (innermost dimension first), type and byte size. */
    public record TensorInfo(String name, long[] shape, GgmlType type, long offset, long bytes) { }

    /** An array too long to keep, recorded by element type and length. */
    public record LongArray(int elementType, long length) { }

    /**
     * A model this one derives from ({@code general.base_model.N.*}); any field may be absent.
     *
     * @param name         {@code general.base_model.N.name}, e.g. {@code Mistral 7B v0.1}
     * @param organization {@code general.base_model.N.organization}, e.g. {@code Mistralai}
     * @param repoUrl      {@code general.base_model.N.repo_url}, e.g. {@code https://huggingface.co/mistralai/...}
     */
    public record BaseModel(Optional<String> name, Optional<String> organization, Optional<String> repoUrl) { }

    private GgufFile(Path path, int version, Map<String, Object> metadata, List<TensorInfo> tensors,
                     long dataOffset) {
        this.path = path;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        this.dataOffset = dataOffset;
    }

    /**
     * Reads the header of a GGUF file and checks that the tensor data it describes lies within the file.
     *
     * @throws GgufException if the file is missing, unreadable, not GGUF, truncated or inconsistent
     */
    public static GgufFile read(Path path) {
        return read(path, true);
    }

    /**
     * Reads only the header and the metadata key-value section of a GGUF file; {@link #tensors()} is empty. Enough to
     * know what model a file holds, and quicker for large models.
     *
     * @throws GgufException if the file is missing, unreadable, not GGUF or truncated within its metadata
     */
    public static GgufFile readMetadata(Path path) {
        return read(path, false);
    }

    private static GgufFile read(Path path, boolean withTensors) {
        if (!Files.exists(path)) {
            throw new GgufException("Model file not found: " + path.toAbsolutePath());
        }
        if (!Files.isRegularFile(path)) {
            throw new GgufException("Model path is not a regular file: " + path.toAbsolutePath());
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return new Reader(path, ch).read(withTensors);
        } catch (NoSuchFileException e) {
            throw new GgufException("Model file not found: " + path.toAbsolutePath(), e);
        } catch (IOException e) {
            throw new GgufException("Cannot read model file " + path.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    /** All metadata, in file order. Values are String, Number, Boolean, List or {@link LongArray}. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    public List<TensorInfo> tensors() {
        return tensors;
    }

    /** Where tensor data begins in the file (-1 when only the metadata was read). */
    public long dataOffset() {
        return dataOffset;
    }

    public Optional<String> string(String key) {
        Object v = metadata.get(key);
        return v instanceof String s ? Optional.of(s) : Optional.empty();
    }

    public Optional<Long> integer(String key) {
        Object v = metadata.get(key);
        if (v instanceof Number n && !(v instanceof Float) && !(v instanceof Double)) {
            return Optional.of(n.longValue());
        }
        return Optional.empty();
    }

    public Optional<Boolean> bool(String key) {
        Object v = metadata.get(key);
        return v instanceof Boolean b ? Optional.of(b) : Optional.empty();
    }

    /** {@code general.architecture}, e.g. "llama". */
    public String architecture() {
        return string("general.architecture").orElse("");
    }

    /** {@code general.name}, e.g. {@code Mistral-7B-v0.1} (free text: writers spell it as they like). */
    public Optional<String> name() {
        return string("general.name").filter(s -> !s.isBlank());
    }

    /** {@code general.basename}, e.g. {@code Meta-Llama-3}. */
    public Optional<String> basename() {
        return string("general.basename").filter(s -> !s.isBlank());
    }

    /** {@code general.size_label}, e.g. {@code 8B}. */
    public Optional<String> sizeLabel() {
        return string("general.size_label").filter(s -> !s.isBlank());
    }

    /** {@code general.finetune}, e.g. {@code Instruct}. */
    public Optional<String> finetune() {
        return string("general.finetune").filter(s -> !s.isBlank());
    }

    /** {@code general.version}, e.g. {@code v0.1}. */
    public Optional<String> modelVersion() {
        return string("general.version").filter(s -> !s.isBlank());
    }

    /** The models this one derives from ({@code general.base_model.count} entries of {@code general.base_model.N.*}). */
    public List<BaseModel> baseModels() {
        long count = integer("general.base_model.count").orElse(0L);
        List<BaseModel> out = new ArrayList<>();
        for (long i = 0; i < Math.min(count, 64); i++) {
            String p = "general.base_model." + i + ".";
            out.add(new BaseModel(string(p + "name"), string(p + "organization"), string(p + "repo_url")));
        }
        return List.copyOf(out);
    }

    /** The model's chat template ({@code tokenizer.chat_template}), present for chat and instruct models. */
    public Optional<String> chatTemplate() {
        return string("tokenizer.chat_template").filter(s -> !s.isBlank());
    }

    /** {@code <arch>.context_length}: the context the model was trained with. */
    public Optional<Long> trainedContextLength() {
        return integer(architecture() + ".context_length");
    }

    /** {@code <arch>.block_count}: the number of transformer layers. */
    public Optional<Long> blockCount() {
        return integer(architecture() + ".block_count");
    }

    /** Whether the tokenizer prepends a BOS token (llama.cpp's default is true when the key is absent). */
    public boolean addsBos() {
        return bool("tokenizer.ggml.add_bos_token").orElse(true);
    }

    /**
     * Bytes of tensor data per layer ({@code blk.N.*}), indexed by layer.
     *
     * @throws GgufException if {@code <arch>.block_count} is negative or more than {@value #MAX_LAYERS}
     */
    public long[] layerBytes() {
        long count = blockCount().orElse(0L);
        if (count < 0 || count > MAX_LAYERS) {
            throw new GgufException("Invalid GGUF file " + path.toAbsolutePath() + ": " + architecture()
                    + ".block_count is " + count + " (0 to " + MAX_LAYERS + " layers are read)");
        }
        int layers = (int) count;
        long[] sizes = new long[layers];
        for (TensorInfo t : tensors) {
            if (t.name().startsWith("blk.")) {
                int dot = t.name().indexOf('.', 4);
                if (dot > 4) {
                    try {
                        int layer = Integer.parseInt(t.name().substring(4, dot));
                        if (layer >= 0 && layer < layers) {
                            sizes[layer] += t.bytes();
                        }
                    } catch (NumberFormatException ignored) {
                        // not a layer tensor
                    }
                }
            }
        }
        return sizes;
    }

    /** Bytes of tensor data outside the layers (embeddings, output head, norms). */
    public long nonLayerBytes() {
        long sum = 0;
        for (TensorInfo t : tensors) {
            if (!t.name().startsWith("blk.")) {
                sum += t.bytes();
            }
        }
        return sum;
    }

    private static final class Reader {
        private final Path path;
        private final FileChannel ch;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long bufStart;

        Reader(Path path, FileChannel ch) throws IOException {
            this.path = path;
            this.ch = ch;
            this.size = ch.size();
            buf.limit(0);
        }

        GgufFile read(boolean withTensors) throws IOException {
            if (size < 24) {
                throw bad("file is " + size + " bytes, too short for a GGUF header");
            }
            byte[] magic = bytes(4);
            if (magic[0] != 'G' || magic[1] != 'G' || magic[2] != 'U' || magic[3] != 'F') {
                throw bad("not a GGUF file (magic bytes are " + hex(magic) + ", expected 'GGUF')");
            }
            int version = buf().getInt();
            if (version != 2 && version != 3) {
                throw bad("unsupported GGUF version " + version + " (supported: 2, 3)");
            }
            long tensorCount = buf(8).getLong();
            long kvCount = buf(8).getLong();
            // every key-value needs at least 8+1+4 bytes, every tensor info at least 8+1+4+8+4+8 bytes
            if (kvCount < 0 || kvCount > remaining() / 13) {
                throw bad("metadata count " + Long.toUnsignedString(kvCount) + " does not fit in the file");
            }
            if (tensorCount < 0 || tensorCount > remaining() / 33) {
                throw bad("tensor count " + Long.toUnsignedString(tensorCount) + " does not fit in the file");
            }
            Map<String, Object> metadata = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                String key = string("metadata key #" + i);
                int type = buf().getInt();
                metadata.put(key, value(type, key));
            }
            if (!withTensors) {
                return new GgufFile(path, version, metadata, List.of(), -1);
            }
            long alignment = 32;
            Object a = metadata.get("general.alignment");
            if (a instanceof Number n) {
                alignment = n.longValue();
                if (alignment <= 0 || alignment > 1 << 20 || (alignment & (alignment - 1)) != 0) {
                    throw bad("general.alignment " + alignment + " is not a power of two");
                }
            }
            List<TensorInfo> tensors = new ArrayList<>((int) Math.min(tensorCount, 1 << 16));
            for (long i = 0; i < tensorCount; i++) {
                String name = string("tensor name #" + i);
                int dims = buf().getInt();
                if (dims < 1 || dims > 4) {
                    throw bad("tensor '" + name + "' has " + dims + " dimensions (1 to 4 allowed)");
                }
                long[] shape = new long[dims];
                long elements = 1;
                for (int d = 0; d < dims; d++) {
                    shape[d] = buf(8).getLong();
                    if (shape[d] <= 0 || shape[d] > size * 8) {
                        throw bad("tensor '" + name + "' has dimension " + Long.toUnsignedString(shape[d])
                                + ", which cannot fit in a file of " + size + " bytes");
                    }
                    elements = multiply(elements, shape[d], name);
                }
                int typeId = buf().getInt();
                GgmlType type = GgmlType.byId(typeId);
                if (type == null) {
                    throw bad("tensor '" + name + "' has unknown type " + typeId);
                }
                long offset = buf(8).getLong();
                long bytes = type.bytesFor(elements);
                if (bytes < 0) {
                    throw bad("tensor '" + name + "' has " + elements + " elements, not whole blocks of " + type);
                }
                tensors.add(new TensorInfo(name, shape, type, offset, bytes));
            }
            long dataOffset = (position() + alignment - 1) / alignment * alignment;
            for (TensorInfo t : tensors) {
                if (t.offset() < 0 || t.offset() > size || dataOffset + t.offset() + t.bytes() > size
                        || dataOffset + t.offset() + t.bytes() < 0) {
                    throw bad("tensor '" + t.name() + "' (" + t.bytes() + " bytes at offset " + t.offset()
                            + ") lies beyond the end of the file (" + size + " bytes): the file is truncated");
                }
            }
            return new GgufFile(path, version, metadata, tensors, dataOffset);
        }

        private long multiply(long a, long b, String name) {
            try {
                return Math.multiplyExact(a, b);
            } catch (ArithmeticException e) {
                throw bad("tensor '" + name + "' has an element count that overflows");
            }
        }

        private Object value(int type, String key) throws IOException {
            return switch (type) {
                case 0 -> buf(1).get() & 0xff;
                case 1 -> (int) buf(1).get();
                case 2 -> buf(2).getShort() & 0xffff;
                case 3 -> (int) buf(2).getShort();
                case 4 -> buf(4).getInt() & 0xffffffffL;
                case 5 -> buf(4).getInt();
                case 6 -> buf(4).getFloat();
                case 7 -> buf(1).get() != 0;
                case 8 -> string(key);
                case 9 -> array(key);
                case 10, 11 -> buf(8).getLong();
                case 12 -> buf(8).getDouble();
                default -> throw bad("metadata '" + key + "' has unknown value type " + type);
            };
        }

        private Object array(String key) throws IOException {
            int type = buf().getInt();
            long length = buf(8).getLong();
            long minBytes = switch (type) {
                case 0, 1, 7 -> 1;
                case 2, 3 -> 2;
                case 4, 5, 6 -> 4;
                case 8, 10, 11, 12 -> 8;
                case 9 -> 12;
                default -> throw bad("metadata '" + key + "' is an array of unknown type " + type);
            };
            if (length < 0 || length > remaining() / minBytes) {
                throw bad("metadata '" + key + "' claims " + Long.toUnsignedString(length)
                        + " elements, more than the file holds");
            }
            if (length > MAX_KEPT_ARRAY) {
                for (long i = 0; i < length; i++) {
                    skipValue(type, key);
                }
                return new LongArray(type, length);
            }
            List<Object> list = new ArrayList<>((int) length);
            for (long i = 0; i < length; i++) {
                list.add(value(type, key));
            }
            return Collections.unmodifiableList(list);
        }

        private void skipValue(int type, String key) throws IOException {
            switch (type) {
                case 0, 1, 7 -> skip(1);
                case 2, 3 -> skip(2);
                case 4, 5, 6 -> skip(4);
                case 10, 11, 12 -> skip(8);
                case 8 -> {
                    long len = buf(8).getLong();
                    checkLength(len, key);
                    skip(len);
                }
                default -> value(type, key);
            }
        }

        private String string(String what) throws IOException {
            long len = buf(8).getLong();
            checkLength(len, what);
            if (len > MAX_STRING) {
                throw bad(what + " is a string of " + len + " bytes (at most " + MAX_STRING + " allowed)");
            }
            byte[] b = bytes((int) len);
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                return new String(b, StandardCharsets.UTF_8);
            }
        }

        private void checkLength(long len, String what) {
            if (len < 0 || len > remaining()) {
                throw bad(what + " has length " + Long.toUnsignedString(len) + ", beyond the end of the file");
            }
        }

        private long position() {
            return bufStart + buf.position();
        }

        private long remaining() {
            return size - position();
        }

        private ByteBuffer buf() throws IOException {
            return buf(4);
        }

        private ByteBuffer buf(int need) throws IOException {
            if (buf.remaining() < need) {
                fill(need);
            }
            return buf;
        }

        private void fill(int need) throws IOException {
            long pos = position();
            if (pos + need > size) {
                throw bad("unexpected end of file at byte " + pos + " (the file is truncated)");
            }
            buf.clear();
            bufStart = pos;
            ch.position(pos);
            while (buf.position() < need) {
                if (ch.read(buf) < 0) {
                    throw bad("unexpected end of file at byte " + pos);
                }
            }
            buf.flip();
        }

        private void skip(long n) throws IOException {
            if (buf.remaining() >= n) {
                buf.position(buf.position() + (int) n);
                return;
            }
            long target = position() + n;
            if (target > size) {
                throw bad("unexpected end of file at byte " + position() + " (the file is truncated)");
            }
            bufStart = target;
            buf.clear();
            buf.limit(0);
        }

        private byte[] bytes(int n) throws IOException {
            byte[] out = new byte[n];
            int off = 0;
            while (off < n) {
                if (!buf.hasRemaining()) {
                    fill(Math.min(n - off, buf.capacity()));
                }
                int k = Math.min(n - off, buf.remaining());
                buf.get(out, off, k);
                off += k;
            }
            return out;
        }

        private GgufException bad(String what) {
            return new GgufException("Invalid GGUF file " + path.toAbsolutePath() + ": " + what);
        }

        private static String hex(byte[] b) {
            StringBuilder sb = new StringBuilder();
            for (byte x : b) {
                sb.append(String.format("%02x", x));
            }
            return sb.toString();
        }
    }

    /**
     * The ggml tensor types a GGUF file may hold, with their block layout, so that tensor byte sizes can be computed
     * without loading a tensor.
     */
    public enum GgmlType {
        F32(0, 1, 4), F16(1, 1, 2), Q4_0(2, 32, 18), Q4_1(3, 32, 20), Q5_0(6, 32, 22), Q5_1(7, 32, 24),
        Q8_0(8, 32, 34), Q8_1(9, 32, 36), Q2_K(10, 256, 84), Q3_K(11, 256, 110), Q4_K(12, 256, 144),
        Q5_K(13, 256, 176), Q6_K(14, 256, 210), Q8_K(15, 256, 292), IQ2_XXS(16, 256, 66), IQ2_XS(17, 256, 74),
        IQ3_XXS(18, 256, 98), IQ1_S(19, 256, 50), IQ4_NL(20, 32, 18), IQ3_S(21, 256, 110), IQ2_S(22, 256, 82),
        IQ4_XS(23, 256, 136), I8(24, 1, 1), I16(25, 1, 2), I32(26, 1, 4), I64(27, 1, 8), F64(28, 1, 8),
        IQ1_M(29, 256, 56), BF16(30, 1, 2), TQ1_0(34, 256, 54), TQ2_0(35, 256, 66);

        private final int id;
        private final int blockSize;
        private final int typeSize;

        GgmlType(int id, int blockSize, int typeSize) {
            this.id = id;
            this.blockSize = blockSize;
            this.typeSize = typeSize;
        }

        /** The numeric id used in GGUF tensor infos. */
        public int id() {
            return id;
        }

        /** Bytes taken by {@code elements} values of this type, or -1 when the count is not a whole number of blocks. */
        public long bytesFor(long elements) {
            if (elements % blockSize != 0) {
                return -1;
            }
            return Math.multiplyExact(elements / blockSize, (long) typeSize);
        }

        /** The type with this id, or null when the id is unknown. */
        public static GgmlType byId(int id) {
            for (GgmlType t : values()) {
                if (t.id == id) {
                    return t;
                }
            }
            return null;
        }
    }
}
