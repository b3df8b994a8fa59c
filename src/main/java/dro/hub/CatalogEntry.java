package dro.hub;

import dro.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A model the original DRO supports, and where its GGUF weights are on the hub.
 *
 * @param id           the model's name in the original ({@code model_name}, e.g. {@code mistralai/Mistral-7B-v0.1})
 * @param aliases      other names of exactly this model (the original's other spellings)
 * @param shortNames   names that leave something out (a version) and mean this model when a person types them,
 *                     but not when a GGUF file's metadata says them (e.g. {@code mistral-7b})
 * @param repo         the hub repository holding GGUF files of this model
 * @param fileTemplate the GGUF file name in {@code repo}, with {@code {quant}} where the quantisation goes
 * @param chat         whether it is a chat/instruct model
 */
public record CatalogEntry(String id, List<String> aliases, List<String> shortNames, String repo, String fileTemplate,
                           boolean chat) {

    /** The quantisation downloaded unless another is asked for. */
    public static final String DEFAULT_QUANTIZATION = "Q4_K_M";

    private static final Pattern QUANT = Pattern.compile("[A-Za-z0-9_]{1,24}");

    public CatalogEntry {
        aliases = List.copyOf(aliases);
        shortNames = List.copyOf(shortNames);
        if (!fileTemplate.contains("{quant}")) {
            throw new InvalidRequestException("fileTemplate must contain {quant}, but was " + fileTemplate);
        }
    }

    /** The id, the aliases and the short names. */
    public List<String> names() {
        List<String> all = new ArrayList<>(exactNames());
        all.addAll(shortNames);
        return List.copyOf(all);
    }

    /** The id and the aliases: the names that mean exactly this model. */
    public List<String> exactNames() {
        List<String> all = new ArrayList<>(aliases.size() + 1);
        all.add(id);
        all.addAll(aliases);
        return List.copyOf(all);
    }

    /** The hub file with the given quantisation (null for {@link #DEFAULT_QUANTIZATION}). */
    public HfFile file(String quantization) {
        return HfFile.of(repo, fileTemplate.replace("{quant}", normalizeQuantization(quantization)));
    }

    /**
     * A quantisation name as GGUF files spell it: {@code q4_k_m} becomes {@code Q4_K_M}; null means
     * {@link #DEFAULT_QUANTIZATION}.
     *
     * @throws InvalidRequestException if it is not a plausible quantisation name
     */
    public static String normalizeQuantization(String quantization) {
        if (quantization == null) {
            return DEFAULT_QUANTIZATION;
        }
        String q = quantization.strip();
        if (!QUANT.matcher(q).matches()) {
            throw new InvalidRequestException("quantization must be a GGUF quantisation name such as Q4_K_M or Q8_0,"
                    + " but was \"" + quantization + "\"");
        }
        String lower = q.toLowerCase(Locale.ROOT);
        return lower.startsWith("q") || lower.startsWith("iq") ? q.toUpperCase(Locale.ROOT) : q;
    }
}
