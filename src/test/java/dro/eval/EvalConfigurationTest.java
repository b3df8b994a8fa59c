package dro.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dro.InvalidRequestException;
import dro.prompt.internal.PromptResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalConfigurationTest {

    @TempDir
    Path tmp;

    static final Supplier<Optional<String>> NO_REGISTRY = Optional::empty;

    @Test
    void parsesThePredefinedPromptsWithAndWithoutIcl() {
        String base = PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT);
        assertEquals(new EvalConfiguration("none", "", "none", 0), EvalConfiguration.parse("none", NO_REGISTRY));
        assertEquals(new EvalConfiguration("base", base, "base", 0), EvalConfiguration.parse("base", NO_REGISTRY));
        assertEquals(new EvalConfiguration("base+icl", base, "base", 3), EvalConfiguration.parse("base+icl",
                NO_REGISTRY));
        assertEquals(new EvalConfiguration("none+icl:2", "", "none", 2), EvalConfiguration.parse("none+icl:2",
                NO_REGISTRY));
        assertEquals(new EvalConfiguration("mine", base, "base", 5), EvalConfiguration.parse("mine=base+icl:5",
                NO_REGISTRY));
    }

    @Test
    void readsAnOptimisedPromptFromAFileARunDirectoryOrTheRegistry() throws Exception {
        Path file = Files.writeString(tmp.resolve("p.txt"), "Be good.\n");
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("optimized_prompt.txt"), "Be better.\n");

        assertEquals(new EvalConfiguration("optimized", "Be good.", "optimized: " + file, 0),
                EvalConfiguration.parse("optimized:" + file, NO_REGISTRY));
        assertEquals(new EvalConfiguration("opt+icl", "Be better.", "optimized: " + run, 3),
                EvalConfiguration.parse("opt+icl=optimized:" + run + "+icl", NO_REGISTRY));
        assertEquals(new EvalConfiguration("optimized+icl", "From the registry.", "optimized: prompt registry", 3),
                EvalConfiguration.parse("optimized+icl", () -> Optional.of("From the registry.")));
    }

    @Test
    void aPromptFileNameThatNoFileCanHaveIsNamed() {
        // was an InvalidPathException escaping the parser
        assertEquals("Configuration \"optimized:a\u0000b\": \"a\u0000b\" is not a file name: Nul character not"
                + " allowed", message("optimized:a\u0000b"));
    }

    @Test
    void badSpecsAreNamed() {
        assertEquals("Configuration \"optimised\": unknown prompt \"optimised\"; use none, base, optimized or"
                + " optimized:FILE", message("optimised"));
        assertEquals("Configuration \"base+icl:9\": the number of in-context examples must be between 1 and 5, but"
                + " was 9", message("base+icl:9"));
        assertEquals("Configuration \"optimized\": no optimised prompt is known for this model; give one as"
                + " optimized:FILE", message("optimized"));
        assertEquals("Configuration \"optimized:" + tmp.resolve("none.txt") + "\": prompt file not found: "
                + tmp.resolve("none.txt").toAbsolutePath(), message("optimized:" + tmp.resolve("none.txt")));
        assertEquals("A configuration must read [NAME=]PROMPT[+icl[:K]] with PROMPT one of none, base, optimized,"
                + " optimized:FILE, but was \" \"", message(" "));
        assertEquals("Two configurations are named \"base\"; name them apart as NAME=SPEC", assertThrows(
                InvalidRequestException.class, () -> EvalConfiguration.parseAll(List.of("base", "base"), NO_REGISTRY))
                .getMessage());
    }

    static String message(String spec) {
        return assertThrows(InvalidRequestException.class, () -> EvalConfiguration.parse(spec, NO_REGISTRY))
                .getMessage();
    }
}
