package dro.compat;

/**
 * A pickle that names a Python global outside the allowlist (such as {@code posix.system} or {@code builtins.eval}).
 * Nothing in it was run: the reader stops at the name.
 */
public final class UnsafePickleException extends ArtifactException {

    private final String global;

    public UnsafePickleException(String message, String global) {
        super(message);
        this.global = global;
    }

    /** The rejected global, as {@code module.name}. */
    public String global() {
        return global;
    }
}
