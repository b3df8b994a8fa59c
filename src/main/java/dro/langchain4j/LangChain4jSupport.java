package dro.langchain4j;

import dro.ModelLoadException;

/** Checks that the optional {@code dev.langchain4j:langchain4j-core} is on the class path. */
final class LangChain4jSupport {

    /** The artifact the bridge needs; dro4j declares it optional. */
    static final String ARTIFACT = "dev.langchain4j:langchain4j-core";

    private static volatile boolean available;

    private LangChain4jSupport() {
    }

    /**
     * @throws ModelLoadException naming {@link #ARTIFACT} when LangChain4j's core is not on the class path
     */
    static void ensureAvailable() {
        if (available) {
            return;
        }
        try {
            Class.forName("dev.langchain4j.model.chat.ChatModel", false, LangChain4jSupport.class.getClassLoader());
            available = true;
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ModelLoadException("The LangChain4j bridge (dro.langchain4j) needs LangChain4j on the class"
                    + " path, which dro4j declares optional: add the dependency " + ARTIFACT
                    + " (version 1.20.0 or a compatible one)", e);
        }
    }
}
