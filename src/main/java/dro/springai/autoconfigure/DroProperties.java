package dro.springai.autoconfigure;

import dro.DroException;
import dro.icl.IclExamples;
import dro.prompt.PromptRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * dro4j's Spring Boot settings, prefix {@code dro4j}. A value that cannot be honoured fails the application's start with
 * Spring Boot's {@link InvalidConfigurationPropertyValueException}, naming the property.
 */
@ConfigurationProperties(prefix = DroProperties.PREFIX)
public class DroProperties implements InitializingBean {

    /** The prefix of every property. */
    public static final String PREFIX = "dro4j";

    /** The model of an AutoModel bean (a GGUF file, a model name of the original, hf://...); unset: no AutoModel bean. */
    private String model;

    /** GPUs to use for the local model (0: CPU). */
    private Integer numGpus;

    /** The context length of the local model, in tokens. */
    private Integer maxModelLen;

    /** Layers offloaded to the GPU. */
    private Integer gpuLayers;

    /** CPU threads of the local model. */
    private Integer threads;

    /** Requests the local model serves at once. */
    private Integer parallelSlots;

    /** The user's optimised-prompt store, searched before the shipped prompts (default: the dro4j config dir's). */
    private Path promptsDir;

    /** Never download models or pull prompts. */
    private Boolean offline;

    private final Advisor advisor = new Advisor();

    /** The DroAdvisor settings, prefix {@code dro4j.advisor}. */
    public static class Advisor {

        /** Whether the auto-configured ChatClient.Builder gets the DroAdvisor. */
        private boolean enabled = true;

        /**
         * The optimised prompt: a prompt registry id or a file; unset: the registry's prompt for the chat model's
         * configured model name (pulled from the original's releases on the first request, as AutoModel pulls it),
         * else the base alignment prompt.
         */
        private String prompt;

        /** The number of in-context examples added to each request (0: none). */
        private int numIcl = 3;

        /** The ICL examples (a JSON file as dro4j writes them); unset: the examples dro4j ships. */
        private Path iclFile;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getPrompt() {
            return prompt;
        }

        public void setPrompt(String prompt) {
            this.prompt = prompt;
        }

        public int getNumIcl() {
            return numIcl;
        }

        public void setNumIcl(int numIcl) {
            this.numIcl = numIcl;
        }

        public Path getIclFile() {
            return iclFile;
        }

        public void setIclFile(Path iclFile) {
            this.iclFile = iclFile;
        }
    }

    /**
     * @throws InvalidConfigurationPropertyValueException naming the first property whose value cannot be honoured
     */
    @Override
    public void afterPropertiesSet() {
        if (model != null && model.isBlank()) {
            throw bad("model", model, "it must not be blank (leave it unset for no AutoModel bean)");
        }
        atLeast("num-gpus", numGpus, 0);
        atLeast("max-model-len", maxModelLen, 1);
        atLeast("gpu-layers", gpuLayers, 0);
        atLeast("threads", threads, 1);
        atLeast("parallel-slots", parallelSlots, 1);
        if (promptsDir != null && Files.exists(promptsDir) && !Files.isDirectory(promptsDir)) {
            throw bad("prompts-dir", promptsDir, "it is not a directory");
        }
        if (advisor.numIcl < 0) {
            throw bad("advisor.num-icl", advisor.numIcl, "it must be at least 0");
        }
        if (advisor.iclFile != null) {
            if (!Files.isRegularFile(advisor.iclFile)) {
                throw bad("advisor.icl-file", advisor.iclFile, "no such file");
            }
            try {
                IclExamples.load(advisor.iclFile);
            } catch (DroException e) {
                throw bad("advisor.icl-file", advisor.iclFile, e.getMessage());
            }
        }
        if (advisor.prompt != null) {
            if (advisor.prompt.isBlank()) {
                throw bad("advisor.prompt", advisor.prompt, "give a prompt registry id or a file, or leave it unset");
            }
            if (!Files.isRegularFile(Path.of(advisor.prompt))) {
                PromptRegistry registry = DroAutoConfiguration.registry(this);
                if (registry.byId(advisor.prompt).isEmpty()) {
                    throw bad("advisor.prompt", advisor.prompt, "it is neither a file nor a prompt id of the"
                            + " registry (" + registry + ")");
                }
            }
        }
    }

    private static void atLeast(String name, Integer value, int min) {
        if (value != null && value < min) {
            throw bad(name, value, "it must be at least " + min);
        }
    }

    static InvalidConfigurationPropertyValueException bad(String name, Object value, String reason) {
        return new InvalidConfigurationPropertyValueException(PREFIX + "." + name, value, reason);
    }

    public String getModel() {
        return model;
    }

    public void setModel(String model) {
        this.model = model;
    }

    public Integer getNumGpus() {
        return numGpus;
    }

    public void setNumGpus(Integer numGpus) {
        this.numGpus = numGpus;
    }

    public Integer getMaxModelLen() {
        return maxModelLen;
    }

    public void setMaxModelLen(Integer maxModelLen) {
        this.maxModelLen = maxModelLen;
    }

    public Integer getGpuLayers() {
        return gpuLayers;
    }

    public void setGpuLayers(Integer gpuLayers) {
        this.gpuLayers = gpuLayers;
    }

    public Integer getThreads() {
        return threads;
    }

    public void setThreads(Integer threads) {
        this.threads = threads;
    }

    public Integer getParallelSlots() {
        return parallelSlots;
    }

    public void setParallelSlots(Integer parallelSlots) {
        this.parallelSlots = parallelSlots;
    }

    public Path getPromptsDir() {
        return promptsDir;
    }

    public void setPromptsDir(Path promptsDir) {
        this.promptsDir = promptsDir;
    }

    public Boolean getOffline() {
        return offline;
    }

    public void setOffline(Boolean offline) {
        this.offline = offline;
    }

    public Advisor getAdvisor() {
        return advisor;
    }
}
