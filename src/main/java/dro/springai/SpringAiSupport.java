package dro.springai;

import dro.ModelLoadException;

/** Checks that the optional Spring AI artifacts the bridge needs are on the class path. */
final class SpringAiSupport {

    /** The artifact of Spring AI's chat model types; dro4j declares it optional. */
    static final String MODEL_ARTIFACT = "org.springframework.ai:spring-ai-model";

    /** The artifact of Spring AI's {@code ChatClient} and advisors; dro4j declares it optional. */
    static final String CLIENT_ARTIFACT = "org.springframework.ai:spring-ai-client-chat";

    private static volatile boolean model;
    private static volatile boolean client;

    private SpringAiSupport() {
    }

    /**
     * @throws ModelLoadException naming {@link #MODEL_ARTIFACT} when Spring AI's model types are not on the class path
     */
    static void ensureModel() {
        if (!model) {
            check("org.springframework.ai.chat.model.ChatModel", MODEL_ARTIFACT);
            model = true;
        }
    }

    /**
     * @throws ModelLoadException naming {@link #CLIENT_ARTIFACT} when Spring AI's chat client is not on the class path
     */
    static void ensureClient() {
        if (!client) {
            ensureModel();
            check("org.springframework.ai.chat.client.advisor.api.BaseAdvisor", CLIENT_ARTIFACT);
            client = true;
        }
    }

    private static void check(String type, String artifact) {
        try {
            Class.forName(type, false, SpringAiSupport.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ModelLoadException("The Spring AI bridge (dro.springai) needs Spring AI on the class path, which"
                    + " dro4j declares optional: add the dependency " + artifact + " (version 2.0.1 or a compatible"
                    + " one, e.g. through org.springframework.ai:spring-ai-bom)", e);
        }
    }
}
