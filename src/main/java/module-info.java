/**
 * dro4j as a Java module.
 *
 * <p>Exported: what a library user calls, the facade {@code dro} and the types its calls hand out or take
 * ({@code dro.backend} with the {@code ChatModel} seam and {@code RetryPolicy}, {@code dro.gguf}, {@code dro.hub},
 * {@code dro.compat}, {@code dro.icl}, {@code dro.prompt}, {@code dro.roles}, {@code dro.train},
 * {@code dro.train.icl}, {@code dro.train.run}, {@code dro.eval}, {@code dro.langchain4j}): at most 100 public types,
 * each listed with its reason in docs/JAVA-MODULE.md (checked by {@code PublicApiTest}). Not exported:
 * {@code dro.internal} (helpers with no DRO meaning), the backend implementations {@code dro.backend.llamacpp} and
 * {@code dro.backend.openai} (a user reaches them through {@code AutoModel} and {@code dro.backend.ChatModel}, so
 * they can change without breaking anyone), the {@code internal} package beside an API package (batches, the run's
 * budget and accounting, the pickle reader, the roles over a model and their re-asks, prompt assembly, retrieval),
 * the search core {@code dro.train.search}, and {@code dro.cli} (a program, run as {@code bin/dro} or
 * {@code java -m dro4j/dro.cli.Main}; nothing in it is a library call).
 *
 * <p>java-llama.cpp ({@code de.kherud:llama}), openai-java and LangChain4j's jars declare no
 * {@code Automatic-Module-Name}, so their module names come from their file names ({@code llama},
 * {@code openai.java.core}, ...): javac warns "requires directive for an automatic module"; the compiler's
 * {@code -Xlint} leaves out just that category ({@code -requires-automatic}, {@code -requires-transitive-automatic}).
 * picocli and LangChain4j are optional ({@code requires static}): add them to the module path (and
 * {@code --add-modules}) to use the CLI, {@code dro.langchain4j} or the MiniLM embedder.
 */
module dro4j {
    requires transitive java.net.http;
    requires transitive com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires llama;
    requires openai.java.core;
    requires openai.java.client.okhttp;
    requires org.apache.commons.statistics.inference;
    requires org.apache.commons.statistics.distribution;
    requires static info.picocli;
    requires static transitive langchain4j.core;
    requires static langchain4j.embeddings;
    requires static langchain4j.embeddings.all.minilm.l6.v2.q;

    exports dro;
    exports dro.backend;
    exports dro.gguf;
    exports dro.hub;
    exports dro.compat;
    exports dro.icl;
    exports dro.prompt;
    exports dro.roles;
    exports dro.train;
    exports dro.train.icl;
    exports dro.train.run;
    exports dro.eval;
    exports dro.langchain4j;

    // Records that Jackson writes and reads as JSON.
    opens dro to com.fasterxml.jackson.databind;
    opens dro.backend to com.fasterxml.jackson.databind;
    opens dro.backend.llamacpp to com.fasterxml.jackson.databind;
    opens dro.compat to com.fasterxml.jackson.databind;
    opens dro.eval to com.fasterxml.jackson.databind;
    opens dro.hub to com.fasterxml.jackson.databind;
    opens dro.icl to com.fasterxml.jackson.databind;
    opens dro.prompt to com.fasterxml.jackson.databind;
    opens dro.roles to com.fasterxml.jackson.databind;
    opens dro.train to com.fasterxml.jackson.databind;
    opens dro.train.icl to com.fasterxml.jackson.databind;
    opens dro.train.run to com.fasterxml.jackson.databind;
    // picocli reflects on the command classes.
    opens dro.cli to info.picocli;
}
