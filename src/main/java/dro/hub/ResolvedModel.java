package dro.hub;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A model name resolved to a GGUF file on disk.
 *
 * @param requested    the name as given: a path, a catalogue name or an {@code hf://} name
 * @param file         the GGUF file (downloaded into the cache if it came from the hub)
 * @param catalogEntry the catalogue entry, when the name was a catalogue name
 * @param hubFile      the hub file, when it came from the hub
 */
public record ResolvedModel(String requested, Path file, Optional<CatalogEntry> catalogEntry,
                            Optional<HfFile> hubFile) {

    /** A local file. */
    public static ResolvedModel local(String requested, Path file) {
        return new ResolvedModel(requested, file, Optional.empty(), Optional.empty());
    }

    /** The names this model goes by: the catalogue id and aliases if known, else the name as given. */
    public List<String> names() {
        return catalogEntry.map(CatalogEntry::names).orElse(List.of(requested));
    }
}
