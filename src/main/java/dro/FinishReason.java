package dro;

/** Why generation ended. */
public enum FinishReason {
    /** A stop string or the end-of-sequence token. */
    STOP,
    /** {@code maxNewTokens}, or the context, ran out. */
    LENGTH,
    /** The caller cancelled. */
    CANCELLED
}
