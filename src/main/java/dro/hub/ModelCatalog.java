package dro.hub;

import dro.InvalidRequestException;
import dro.internal.ModelNames;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Model names that resolve to GGUF weights on the hub: every model the original DRO supports, under its original
 * name and a few aliases. Names match case-insensitively, and loosely (ignoring the owner, punctuation and spaces:
 * {@code Mistral-7B-v0.1}, {@code mistral-7b-v0.1} and {@code mistralai/Mistral-7B-v0.1} are one model).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ModelCatalog {

    /** The models of the original DRO, with well-known GGUF conversions. */
    public static final ModelCatalog DEFAULT = new ModelCatalog(List.of(
            new CatalogEntry("mistralai/Mistral-7B-v0.1", List.of(), List.of("mistral-7b"),
                    "TheBloke/Mistral-7B-v0.1-GGUF", "mistral-7b-v0.1.{quant}.gguf", false),
            new CatalogEntry("mistralai/Mistral-7B-Instruct-v0.1", List.of(), List.of("mistral-7b-instruct"),
                    "TheBloke/Mistral-7B-Instruct-v0.1-GGUF", "mistral-7b-instruct-v0.1.{quant}.gguf", true),
            new CatalogEntry("meta-llama/Llama-2-7b-hf", List.of("llama-2-7b"), List.of(),
                    "TheBloke/Llama-2-7B-GGUF", "llama-2-7b.{quant}.gguf", false),
            new CatalogEntry("meta-llama/Llama-2-7b-chat-hf", List.of("llama-2-7b-chat"), List.of(),
                    "TheBloke/Llama-2-7B-Chat-GGUF", "llama-2-7b-chat.{quant}.gguf", true),
            new CatalogEntry("meta-llama/Llama-2-70b-hf", List.of("TheBloke/Llama-2-70B-AWQ", "llama-2-70b"),
                    List.of(), "TheBloke/Llama-2-70B-GGUF", "llama-2-70b.{quant}.gguf", false),
            new CatalogEntry("meta-llama/Llama-2-70b-chat-hf",
                    List.of("TheBloke/Llama-2-70B-Chat-AWQ", "llama-2-70b-chat"), List.of(),
                    "TheBloke/Llama-2-70B-Chat-GGUF", "llama-2-70b-chat.{quant}.gguf", true),
            new CatalogEntry("meta-llama/Meta-Llama-3-8B", List.of("llama-3-8b"), List.of(),
                    "QuantFactory/Meta-Llama-3-8B-GGUF", "Meta-Llama-3-8B.{quant}.gguf", false),
            new CatalogEntry("meta-llama/Meta-Llama-3-8B-Instruct", List.of("llama-3-8b-instruct"), List.of(),
                    "bartowski/Meta-Llama-3-8B-Instruct-GGUF", "Meta-Llama-3-8B-Instruct-{quant}.gguf", true)));

    private final List<CatalogEntry> entries;
    private final Map<String, CatalogEntry> byKey = new HashMap<>();

    /**
     * A catalogue of these entries.
     *
     * @throws InvalidRequestException if two entries share a name (compared loosely)
     */
    public ModelCatalog(List<CatalogEntry> entries) {
        this.entries = List.copyOf(entries);
        for (CatalogEntry e : this.entries) {
            for (String name : e.names()) {
                CatalogEntry other = byKey.putIfAbsent(ModelNames.key(name), e);
                if (other != null && other != e) {
                    throw new InvalidRequestException("Catalogue name \"" + name + "\" of " + e.id()
                            + " is also a name of " + other.id());
                }
            }
        }
    }

    public List<CatalogEntry> entries() {
        return entries;
    }

    /**
     * The entry a name typed by a person means: its id, an alias or a short name, compared case-insensitively, then
     * loosely.
     */
    public Optional<CatalogEntry> find(String name) {
        return find(name, false);
    }

    /**
     * The entry a name means exactly: its id or an alias, not a short name ({@code Mistral 7B} in a GGUF file's
     * metadata may be any version of it).
     */
    public Optional<CatalogEntry> findExact(String name) {
        return find(name, true);
    }

    private Optional<CatalogEntry> find(String name, boolean exact) {
        if (name == null || name.isBlank()) {
            return Optional.empty();
        }
        for (CatalogEntry e : entries) {
            for (String n : exact ? e.exactNames() : e.names()) {
                if (ModelNames.sameName(n, name)) {
                    return Optional.of(e);
                }
            }
        }
        String key = ModelNames.key(name);
        if (key.isEmpty()) {
            return Optional.empty();
        }
        CatalogEntry e = byKey.get(key);
        if (e == null || exact && e.exactNames().stream().noneMatch(n -> ModelNames.key(n).equals(key))) {
            return Optional.empty();
        }
        return Optional.of(e);
    }
}
