package dro.eval;

import dro.FileAccessException;
import dro.InvalidRequestException;
import dro.internal.Validation;
import dro.prompt.internal.PromptResources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One way of putting queries to the model in an evaluation: a system prompt (or none) and, optionally, the top-k
 * in-context examples, assembled as {@code AutoModel} does. Every configuration uses DRO's user turn
 * ({@code # Query: ... # Answer: <START>}), so configurations differ only in what goes before it.
 *
 * <h2>Specs</h2>
 * {@code [NAME=]PROMPT[+icl[:K]]}, where PROMPT is
 * <ul>
 *   <li>{@code none}: no system prompt;</li>
 *   <li>{@code base}: the base alignment prompt ({@code prompts/base_alignment_prompt.txt});</li>
 *   <li>{@code optimized}: the model's optimised prompt from the prompt registry;</li>
 *   <li>{@code optimized:PATH}: the prompt in a file, or in a training run's directory
 *   ({@code optimized_prompt.txt});</li>
 * </ul>
 * and {@code +icl} adds the {@code K} most similar in-context examples (1 to 5, default 3, as
 * {@code numOptimizedIcl}). Without a name, the spec names itself ({@code base+icl}; {@code optimized} for a path).
 *
 * @param name         the configuration's name in results and reports
 * @param systemPrompt the system prompt, empty for none
 * @param source       where the prompt came from ({@code none}, {@code base}, {@code optimized: <where>})
 * @param iclK         in-context examples per query, 0 for none
 */
public record EvalConfiguration(String name, String systemPrompt, String source, int iclK) {

    private static final Pattern SPEC = Pattern.compile("(?:([A-Za-z0-9._+-]+)=)?(.+?)(\\+icl(?::(\\d+))?)?");
    private static final int DEFAULT_K = 3;

    public EvalConfiguration {
        Validation.ensureNotBlank(name, "name");
        Validation.ensureNotNull(systemPrompt, "systemPrompt");
        Validation.ensureBetween(iclK, 0, 5, "iclK");
    }

    /**
     * Parses a spec.
     *
     * @param registryPrompt the model's optimised prompt from the registry, for {@code optimized} without a path
     */
    public static EvalConfiguration parse(String spec, Supplier<Optional<String>> registryPrompt) {
        Matcher m = SPEC.matcher(spec == null ? "" : spec.strip());
        if (spec == null || spec.isBlank() || !m.matches()) {
            throw new InvalidRequestException("A configuration must read [NAME=]PROMPT[+icl[:K]] with PROMPT one of"
                    + " none, base, optimized, optimized:FILE, but was \"" + spec + "\"");
        }
        String prompt = m.group(2);
        int k = 0;
        if (m.group(3) != null) {
            k = DEFAULT_K;
            if (m.group(4) != null) {
                k = parseK(m.group(4), spec);
            }
        }
        String text;
        String source;
        String defaultName;
        if (prompt.equals("none")) {
            text = "";
            source = "none";
            defaultName = "none";
        } else if (prompt.equals("base")) {
            text = PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT);
            source = "base";
            defaultName = "base";
        } else if (prompt.equals("optimized")) {
            text = registryPrompt.get().orElseThrow(() -> new InvalidRequestException("Configuration \"" + spec
                    + "\": no optimised prompt is known for this model; give one as optimized:FILE"));
            source = "optimized: prompt registry";
            defaultName = "optimized";
        } else if (prompt.startsWith("optimized:") && prompt.length() > "optimized:".length()) {
            Path file;
            try {
                file = Path.of(prompt.substring("optimized:".length()));
            } catch (java.nio.file.InvalidPathException e) {
                throw new InvalidRequestException("Configuration \"" + spec + "\": \""
                        + prompt.substring("optimized:".length()) + "\" is not a file name: " + e.getReason());
            }
            text = readPrompt(file, spec);
            source = "optimized: " + file;
            defaultName = "optimized";
        } else {
            throw new InvalidRequestException("Configuration \"" + spec + "\": unknown prompt \"" + prompt
                    + "\"; use none, base, optimized or optimized:FILE");
        }
        String name = m.group(1) != null ? m.group(1)
                : defaultName + (k == 0 ? "" : k == DEFAULT_K ? "+icl" : "+icl:" + k);
        return new EvalConfiguration(name, text, source, k);
    }

    /** Parses several specs; two configurations with one name are refused. */
    public static List<EvalConfiguration> parseAll(List<String> specs, Supplier<Optional<String>> registryPrompt) {
        if (specs.isEmpty()) {
            throw new InvalidRequestException("At least one configuration is needed");
        }
        List<EvalConfiguration> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String s : specs) {
            EvalConfiguration c = parse(s, registryPrompt);
            if (!names.add(c.name())) {
                throw new InvalidRequestException("Two configurations are named \"" + c.name() + "\"; name them"
                        + " apart as NAME=SPEC");
            }
            out.add(c);
        }
        return List.copyOf(out);
    }

    private static int parseK(String digits, String spec) {
        int k;
        try {
            k = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            k = Integer.MAX_VALUE;
        }
        if (k < 1 || k > 5) {
            throw new InvalidRequestException("Configuration \"" + spec + "\": the number of in-context examples must"
                    + " be between 1 and 5, but was " + digits);
        }
        return k;
    }

    private static String readPrompt(Path file, String spec) {
        Path f = Files.isDirectory(file) ? file.resolve("optimized_prompt.txt") : file;
        try {
            String text = Files.readString(f, StandardCharsets.UTF_8).stripTrailing();
            if (text.isBlank()) {
                throw new InvalidRequestException("Configuration \"" + spec + "\": the prompt file "
                        + f.toAbsolutePath() + " is empty");
            }
            return text;
        } catch (NoSuchFileException e) {
            throw new InvalidRequestException("Configuration \"" + spec + "\": prompt file not found: "
                    + f.toAbsolutePath());
        } catch (IOException e) {
            throw new FileAccessException("Configuration \"" + spec + "\": cannot read " + f.toAbsolutePath()
                    + ": " + e, f, e);
        }
    }
}
