package dro.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes pickle opcodes by hand, for tests of the pickle reader: hostile, truncated or unusual pickles that no
 * fixture file should hold.
 */
public final class PickleBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Starts a pickle with {@code PROTO n}. */
    public static PickleBytes proto(int n) {
        PickleBytes p = new PickleBytes();
        p.op(0x80).raw(n);
        return p;
    }

    public PickleBytes op(int opcode) {
        out.write(opcode);
        return this;
    }

    public PickleBytes raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    /** {@code SHORT_BINUNICODE} (or {@code BINUNICODE} for long strings). */
    public PickleBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length < 256) {
            op(0x8c).raw(b.length);
        } else {
            op('X').le32(b.length);
        }
        out.writeBytes(b);
        return this;
    }

    /** {@code GLOBAL module\nname\n} (protocol 0 to 3 style). */
    public PickleBytes global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** {@code STACK_GLOBAL} after pushing both names (protocol 4 style). */
    public PickleBytes stackGlobal(String module, String name) {
        return str(module).str(name).op(0x93);
    }

    public PickleBytes binint1(int v) {
        return op('K').raw(v);
    }

    public PickleBytes binfloat(double v) {
        op('G');
        long bits = Double.doubleToLongBits(v);
        for (int i = 7; i >= 0; i--) {
            out.write((int) (bits >>> (8 * i)) & 0xff);
        }
        return this;
    }

    public PickleBytes le32(int v) {
        return raw(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    }

    public PickleBytes mark() {
        return op('(');
    }

    public PickleBytes memoize() {
        return op(0x94);
    }

    public PickleBytes stop() {
        return op('.');
    }

    public byte[] bytes() {
        return out.toByteArray();
    }
}
