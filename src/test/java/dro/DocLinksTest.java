package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md and docs/*.md leads somewhere: the file exists, and a {@code #anchor} names a
 * heading of the target under GitHub's anchor rules (lower case; punctuation other than {@code -} and {@code _}
 * dropped; spaces become {@code -}; a repeated heading gets {@code -1}, {@code -2}, ...). Links and headings inside
 * fenced code blocks and code spans do not count. The sources' own pointers into the documentation
 * ({@code README "Heading"}, {@code docs/PAGE.md}) are checked the same way, so an error message cannot send a
 * user to a section that moved.
 */
class DocLinksTest {

    private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?:(?!\\1).)+?\\1");
    private static final Pattern LINK = Pattern.compile("!?\\[(?:[^\\[\\]]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]*)>?"
            + "(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern REFERENCE = Pattern.compile("^ {0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
    private static final Pattern README_SECTION = Pattern.compile("README \\\\?\"([^\"\\\\]+)\\\\?\"");
    private static final Pattern DOCS_PAGE = Pattern.compile("docs/([A-Za-z0-9_.-]+\\.md)(#[\\w-]+)?");

    @Test
    void everyRelativeLinkInReadmeAndDocsResolves() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> s = Files.list(Path.of("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertTrue(pages.size() > 5, "only " + pages + ": is the working directory the project?");
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path page : pages) {
            List<String> targets = links(Files.readString(page));
            links += targets.size();
            broken.addAll(brokenLinks(page, targets, DocLinksTest::anchorsOf));
        }
        assertTrue(links > 20, "only " + links + " links found");
        assertEquals(List.of(), broken);
    }

    @Test
    void everyPointerFromTheSourcesIntoTheDocumentationResolves() throws IOException {
        Set<String> readmeHeadings = headingTexts(Files.readString(Path.of("README.md")));
        List<String> broken = new ArrayList<>();
        List<Path> files = new ArrayList<>(List.of(Path.of("pom.xml")));
        for (String dir : List.of("src", "bin", "examples", ".ci")) {
            if (Files.isDirectory(Path.of(dir))) {
                try (Stream<Path> s = Files.walk(Path.of(dir))) {
                    s.filter(Files::isRegularFile)
                            .filter(p -> p.toString().matches(".*\\.(java|xml|sh|md)$") || p.startsWith("bin")
                                    || p.startsWith(".ci"))
                            .filter(p -> !p.endsWith("DocLinksTest.java"))
                            .forEach(files::add);
                }
            }
        }
        int pointers = 0;
        for (Path f : files) {
            String text = Files.readString(f);
            Matcher m = README_SECTION.matcher(text);
            while (m.find()) {
                pointers++;
                if (!readmeHeadings.contains(m.group(1))) {
                    broken.add(f + ": README has no section \"" + m.group(1) + "\"");
                }
            }
            Matcher d = DOCS_PAGE.matcher(text);
            while (d.find()) {
                pointers++;
                broken.addAll(brokenLinks(Path.of("README.md"), List.of("docs/" + d.group(1)
                        + (d.group(2) == null ? "" : d.group(2))), DocLinksTest::anchorsOf).stream()
                        .map(b -> f + ": " + b.substring(b.indexOf(": ") + 2)).toList());
            }
        }
        assertTrue(pointers > 5, "only " + pointers + " pointers found");
        assertEquals(List.of(), broken);
    }

    @Test
    void theCheckerFindsAMissingFileAndAMissingAnchorButNotLinksInCode() {
        String page = """
                # Title

                See [ok](OTHER.md#a-b_c-d), [gone](MISSING.md), [bad anchor](OTHER.md#nope), [self](#title),
                [web](https://example.org/x.md) and ![img](pic.png).

                ```sh
                echo [not a link](NOWHERE.md)
                ```
                Nor `[this](NOWHERE2.md)`.

                [ref]: REF.md
                """;
        Map<String, Set<String>> anchors = Map.of("docs/OTHER.md", Set.of("a-b_c-d"), "docs/PAGE.md",
                Set.of("title"));
        Function<Path, Set<String>> lookup = p -> anchors.getOrDefault(p.normalize().toString().replace('\\', '/'),
                Set.of());
        List<String> targets = links(page);
        assertEquals(List.of("OTHER.md#a-b_c-d", "MISSING.md", "OTHER.md#nope", "#title",
                "https://example.org/x.md", "pic.png", "REF.md"), targets);
        assertEquals(List.of("docs/PAGE.md: MISSING.md: no such file", "docs/PAGE.md: OTHER.md#nope: no heading"
                        + " with the anchor nope in docs/OTHER.md", "docs/PAGE.md: pic.png: no such file",
                        "docs/PAGE.md: REF.md: no such file"),
                brokenLinks(Path.of("docs/PAGE.md"), targets, lookup, p -> anchors.containsKey(
                        p.normalize().toString().replace('\\', '/'))));
    }

    @Test
    void anchorsFollowGitHubsRules() {
        assertEquals(List.of("training-find-the-optimised-prompt-for-your-model-drotrain",
                        "batch-api-evaluations-at-half-the-price", "exiting-the-jvm", "exiting-the-jvm-1",
                        "c-and-java-17", "models-by-name"),
                List.copyOf(anchorsOf("""
                        # Training: find the optimised prompt for your model (`dro.train`)
                        ## Batch API: evaluations at half the price
                        ```
                        # not a heading
                        ```
                        ### Exiting the JVM
                        ### Exiting the JVM
                        ## C++ and Java 17 ##
                        ## [Models by name](MODELS.md)
                        """)));
    }

    /** The link targets of a Markdown text, in order, outside code blocks and code spans. */
    static List<String> links(String markdown) {
        List<String> out = new ArrayList<>();
        boolean inFence = false;
        for (String line : markdown.split("\n", -1)) {
            if (FENCE.matcher(line).find()) {
                inFence = !inFence;
                continue;
            }
            if (inFence) {
                continue;
            }
            String text = CODE_SPAN.matcher(line).replaceAll("");
            Matcher r = REFERENCE.matcher(text);
            if (r.matches()) {
                out.add(r.group(1));
                continue;
            }
            Matcher m = LINK.matcher(text);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    static List<String> brokenLinks(Path page, List<String> targets, Function<Path, Set<String>> anchors) {
        return brokenLinks(page, targets, anchors, Files::exists);
    }

    /** The links of {@code page} that lead nowhere, each as {@code "page: target: why"}. */
    static List<String> brokenLinks(Path page, List<String> targets, Function<Path, Set<String>> anchors,
            java.util.function.Predicate<Path> exists) {
        List<String> out = new ArrayList<>();
        Path dir = page.toAbsolutePath().getParent();
        Path root = Path.of("").toAbsolutePath();
        for (String target : targets) {
            if (target.isEmpty() || target.matches("(?i)[a-z][a-z0-9+.-]*:.*")) {
                continue; // http:, https:, mailto:
            }
            int hash = target.indexOf('#');
            String file = hash < 0 ? target : target.substring(0, hash);
            String anchor = hash < 0 ? null : target.substring(hash + 1);
            Path resolved = file.isEmpty() ? page : root.relativize(dir.resolve(file).normalize());
            String where = page.toString().replace('\\', '/') + ": " + target + ": ";
            if (!exists.test(resolved)) {
                out.add(where + "no such file");
            } else if (anchor != null && !anchors.apply(resolved).contains(anchor)) {
                out.add(where + "no heading with the anchor " + anchor + " in " + resolved.toString()
                        .replace('\\', '/'));
            }
        }
        return out;
    }

    private static Set<String> anchorsOf(Path file) {
        if (!file.toString().endsWith(".md") || !Files.isRegularFile(file)) {
            return Set.of();
        }
        try {
            return anchorsOf(Files.readString(file));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** GitHub's anchors for the headings of a Markdown text, in order. */
    static Set<String> anchorsOf(String markdown) {
        Set<String> out = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String text : headings(markdown)) {
            String slug = text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\p{M}\\p{Pc} -]", "")
                    .replace(' ', '-');
            int n = seen.merge(slug, 1, Integer::sum);
            out.add(n == 1 ? slug : slug + "-" + (n - 1));
        }
        return out;
    }

    private static Set<String> headingTexts(String markdown) {
        return new LinkedHashSet<>(headings(markdown));
    }

    /** The headings' rendered texts: code spans' contents kept without backticks, links reduced to their text. */
    private static List<String> headings(String markdown) {
        List<String> out = new ArrayList<>();
        boolean inFence = false;
        for (String line : markdown.split("\n", -1)) {
            if (FENCE.matcher(line).find()) {
                inFence = !inFence;
                continue;
            }
            Matcher h = HEADING.matcher(line);
            if (!inFence && h.matches()) {
                out.add(h.group(2).replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").replace("`", "")
                        .replace("**", "").trim());
            }
        }
        return out;
    }
}
