package dro.backend;

import dro.InvalidRequestException;

/**
 * What a {@link ChatModel} supports. A caller asks before it uses a feature; {@link ChatModel#chat} refuses a request
 * that needs a feature the model lacks, with an {@link InvalidRequestException} naming it.
 *
 * @param nativeN          {@code n > 1} replies come from one call (otherwise the model generates them one after
 *                         another, seeds {@code seed, seed + 1, ...})
 * @param jsonObject       {@link ResponseFormat#JSON_OBJECT} is enforced
 * @param jsonSchema       {@link ResponseFormat#jsonSchema} is enforced
 * @param seed             a seed makes sampling repeatable
 * @param evaluatedTokens  {@link dro.Usage#evaluatedPromptTokens()} is reported
 * @param rawPrompt        {@link ChatModelRequest#rawPrompt()} is taken (a local model reads the text with no chat
 *                         template)
 * @param multiTurn        requests may hold more than one system and one user message
 * @param maxStopStrings   at most this many stop strings per request ({@link Integer#MAX_VALUE}: any number)
 */
public record ModelCapabilities(boolean nativeN, boolean jsonObject, boolean jsonSchema, boolean seed,
                                boolean evaluatedTokens, boolean rawPrompt, boolean multiTurn, int maxStopStrings) {

    /** Throws if {@code request} needs what these capabilities lack. */
    public void check(ChatModelRequest request, String model) {
        switch (request.responseFormat().type()) {
            case JSON_OBJECT -> require(jsonObject, "JSON object mode", model);
            case JSON_SCHEMA -> require(jsonSchema, "JSON schema mode", model);
            default -> { }
        }
        if (request.rawPrompt()) {
            require(rawPrompt, "A raw prompt (one text with no chat template)", model);
        }
        if (!multiTurn && !request.isSystemThenUser()) {
            throw new InvalidRequestException(model + " takes one optional system message and one user message, but"
                    + " the request has " + request.messages().stream().map(m -> m.role().name()).toList());
        }
        if (request.stop().size() > maxStopStrings) {
            throw new InvalidRequestException("stop must hold at most " + maxStopStrings + " strings for " + model
                    + ", but was " + request.stop());
        }
    }

    private static void require(boolean supported, String feature, String model) {
        if (!supported) {
            throw new InvalidRequestException(feature + " is not available on " + model);
        }
    }
}
