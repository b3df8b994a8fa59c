/**
 * dro4j as a Java module.
 *
 * <p>Exported: what a library user calls, the facade {@code dro} and the types its calls hand out or take
 * ({@code dro.backend} with the {@code ChatModel} seam and {@code RetryPolicy}, {@code dro.gguf}, {@code dro.hub},
 * {@code dro.compat}, {@code dro.icl}, {@code dro.prompt}, {@code dro.roles}, {@code dro.train},
 * {@code dro.train.icl}, {@code dro.train.run}, {@code dro.eval}, {@code dro.langchain4j}, {@code dro.springai}, {@code dro.serve}): at most 100 public types,
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
 * Spring AI's jars declare none either ({@code spring.ai.model}, {@code spring.ai.client.chat}, ...).
 * picocli, LangChain4j, Spring AI, Jetty and Micrometer are optional ({@code requires static}): add them to the
 * module path (and {@code --add-modules}) to use the CLI, {@code dro.langchain4j}, {@code dro.springai}, the MiniLM
 * embedder or {@code dro.serve}. {@code jdk.unsupported} is read for {@code sun.misc.Signal}: {@code dro serve}
 * drains on SIGTERM and exits 0.
 *
 * <p>Native access (Java 24 and later warn without it, a later JDK will refuse): java-llama.cpp loads llama.cpp with
 * JNI, and dro4j reads llama.cpp's memory (the JVM-exit workaround, with the Foreign Function &amp; Memory API on Java
 * 22+). On the module path grant both modules, {@code --enable-native-access=llama,dro4j} ({@code llama} is the
 * binding's automatic module); on the class path {@code --enable-native-access=ALL-UNNAMED}. Without it, dro4j logs
 * one WARN naming the flag when it loads llama.cpp.
 */
module dro4j {
    requires transitive java.net.http;
    requires transitive com.fasterxml.jackson.databind;
    requires org.slf4j;
    // sun.misc.Unsafe, found reflectively by the JVM-exit workaround on Java 17 to 21 (Java 22+ use the FFM API): a
    // module that does not read jdk.unsupported leaves it out of the boot layer on the module path.
    requires jdk.unsupported;
    requires llama;
    requires openai.java.core;
    requires openai.java.client.okhttp;
    requires org.apache.commons.statistics.inference;
    requires org.apache.commons.statistics.distribution;
    requires static info.picocli;
    requires static transitive langchain4j.core;
    requires static langchain4j.embeddings;
    requires static transitive spring.ai.model;
    requires static transitive spring.ai.client.chat;
    requires static spring.core;
    requires static reactor.core;
    requires static org.reactivestreams;
    requires static micrometer.observation;
    requires static micrometer.commons;
    requires static spring.beans;
    requires static spring.context;
    requires static spring.boot;
    requires static spring.boot.autoconfigure;
    requires static langchain4j.embeddings.all.minilm.l6.v2.q;
    requires static org.eclipse.jetty.server;
    requires static micrometer.core;
    requires static micrometer.registry.prometheus;

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
    exports dro.springai;
    exports dro.serve;

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
    // Spring binds the properties and reads the auto-configuration by reflection.
    opens dro.springai.autoconfigure;
    // picocli reflects on the command classes.
    opens dro.cli to info.picocli;
}
