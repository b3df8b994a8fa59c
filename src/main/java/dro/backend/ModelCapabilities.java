package dro.backend;

import dro.InvalidRequestException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a {@link ChatModel} supports: a set of named {@link Capability capabilities} plus the limits that are not
 * yes/no ({@link #maxStopStrings()}). A caller asks before it uses a feature
 * ({@code model.capabilities().supports(Capability.JSON_OBJECT)}); {@link ChatModel#chat} refuses a request that
 * needs a feature the model lacks, with an {@link InvalidRequestException} naming it.
 *
 * <pre>{@code
 * ModelCapabilities.of(NATIVE_N, JSON_OBJECT, JSON_SCHEMA, SEED).withMaxStopStrings(4)
 * }</pre>
 *
 * <p>Immutable; the set is an unmodifiable copy.
 *
 * @param supported      the capabilities the model has
 * @param maxStopStrings at most this many stop strings per request ({@link Integer#MAX_VALUE}: any number)
 */
public record ModelCapabilities(Set<Capability> supported, int maxStopStrings) {

    /** A feature a model has or lacks. */
    public enum Capability {
        /**
         * {@code n > 1} replies come from one call (otherwise the model generates them one after another, seeds
         * {@code seed, seed + 1, ...}).
         */
        NATIVE_N,
        /** {@link ResponseFormat#JSON_OBJECT} is enforced. */
        JSON_OBJECT,
        /** {@link ResponseFormat#jsonSchema} is enforced. */
        JSON_SCHEMA,
        /** A seed makes sampling repeatable. */
        SEED,
        /** {@link dro.Usage#evaluatedPromptTokens()} is reported. */
        EVALUATED_TOKENS,
        /** {@link ChatModelRequest#rawPrompt()} is taken (a local model reads the text with no chat template). */
        RAW_PROMPT,
        /** Requests may hold more than one system and one user message. */
        MULTI_TURN
    }

    /** No capability and any number of stop strings. */
    public static final ModelCapabilities NONE = new ModelCapabilities(EnumSet.noneOf(Capability.class),
            Integer.MAX_VALUE);

    public ModelCapabilities {
        if (supported == null) {
            throw new InvalidRequestException("supported must be a set of capabilities, but was null");
        }
        if (maxStopStrings < 0) {
            throw new InvalidRequestException("maxStopStrings must be 0 or more, but was " + maxStopStrings);
        }
        EnumSet<Capability> copy = EnumSet.noneOf(Capability.class);
        copy.addAll(supported);
        supported = Collections.unmodifiableSet(copy);
    }

    /** These capabilities, with any number of stop strings. */
    public static ModelCapabilities of(Set<Capability> supported) {
        return new ModelCapabilities(supported, Integer.MAX_VALUE);
    }

    /** These capabilities, with any number of stop strings. */
    public static ModelCapabilities of(Capability... supported) {
        EnumSet<Capability> s = EnumSet.noneOf(Capability.class);
        Collections.addAll(s, supported);
        return of(s);
    }

    /** Whether the model has {@code capability}. */
    public boolean supports(Capability capability) {
        return supported.contains(capability);
    }

    /** These capabilities and {@code capability}. */
    public ModelCapabilities with(Capability capability) {
        EnumSet<Capability> s = EnumSet.of(capability);
        s.addAll(supported);
        return new ModelCapabilities(s, maxStopStrings);
    }

    /** These capabilities, and {@code capability} if {@code when} holds (for a capability that depends on a setting). */
    public ModelCapabilities with(Capability capability, boolean when) {
        return when ? with(capability) : this;
    }

    /** These capabilities without {@code capability}. */
    public ModelCapabilities without(Capability capability) {
        EnumSet<Capability> s = EnumSet.noneOf(Capability.class);
        s.addAll(supported);
        s.remove(capability);
        return new ModelCapabilities(s, maxStopStrings);
    }

    /** The same capabilities with at most {@code n} stop strings per request. */
    public ModelCapabilities withMaxStopStrings(int n) {
        return new ModelCapabilities(supported, n);
    }

    /**
     * What both these and {@code other} support: the capabilities both have and the smaller stop-string limit (what
     * a request may use whichever of two models takes it).
     */
    public ModelCapabilities intersect(ModelCapabilities other) {
        EnumSet<Capability> s = EnumSet.noneOf(Capability.class);
        s.addAll(supported);
        s.retainAll(other.supported);
        return new ModelCapabilities(s, Math.min(maxStopStrings, other.maxStopStrings));
    }

    /** Throws if {@code request} needs what these capabilities lack. */
    public void check(ChatModelRequest request, String model) {
        switch (request.responseFormat().type()) {
            case JSON_OBJECT -> require(Capability.JSON_OBJECT, "JSON object mode", model);
            case JSON_SCHEMA -> require(Capability.JSON_SCHEMA, "JSON schema mode", model);
            default -> { }
        }
        if (request.rawPrompt()) {
            require(Capability.RAW_PROMPT, "A raw prompt (one text with no chat template)", model);
        }
        if (!supports(Capability.MULTI_TURN) && !request.isSystemThenUser()) {
            throw new InvalidRequestException(model + " takes one optional system message and one user message, but"
                    + " the request has " + request.messages().stream().map(m -> m.role().name()).toList());
        }
        if (request.stop().size() > maxStopStrings) {
            throw new InvalidRequestException("stop must hold at most " + maxStopStrings + " strings for " + model
                    + ", but was " + request.stop());
        }
    }

    private void require(Capability capability, String feature, String model) {
        if (!supports(capability)) {
            throw new InvalidRequestException(feature + " is not available on " + model);
        }
    }
}
