package dro.roles.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import dro.internal.Digests;
import java.security.MessageDigest;

/**
 * The sampling seed of each model call of a run, derived from the run's seed and the call's place, so that a fresh run
 * against a backend that honours seeds (llama.cpp, seeded endpoints) repeats exactly, and calls at different places
 * sample differently.
 *
 * <p>A call's seed is the first 30 bits of SHA-256({@code seed}, role, site), where the site names the call's place
 * in the search ({@code L3/B1}: the optimiser at level 3 for beam item 1; {@code L3/T4}: transition 4 of level 3; a
 * re-ask adds {@code /reask1}, ...). Deterministic calls that share their answer wherever they are made (the base
 * model at temperature 0, aspect selection) have the empty site, so one seed per role. A request for {@code n > 1}
 * samples carries one seed: a local model draws sample {@code i} with {@code seed + i} (30 bits leave room for it
 * below llama.cpp's 31-bit seeds); an OpenAI-compatible endpoint gets the one seed with {@code n}.
 */
public final class Seeds {

    private Seeds() { }

    /** The seed of the call of {@code role} at {@code site} in a run seeded with {@code seed}: 0 to 2^30 - 1. */
    public static long derive(long seed, String role, String site) {
        MessageDigest d = Digests.sha256();
        d.update(ByteBuffer.allocate(Long.BYTES).putLong(seed).array());
        d.update((role + "\u0000" + site).getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(d.digest()).getLong() & 0x3fffffffL;
    }
}
