package dro.compat;

import dro.compat.internal.MetricsCache;
import dro.compat.internal.AspectScore;
import dro.compat.internal.ModelMapping;
import dro.compat.internal.OutputTrace;
import dro.compat.internal.OutputText;
import dro.compat.internal.SubResult;
import dro.compat.internal.SearchNode;
import dro.compat.internal.BeamSearchResult;
import dro.compat.internal.TrainingOutput;
import dro.compat.internal.OutputPickle;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.icl.IclExample;
import dro.icl.IclExamples;
import dro.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The importers against every file of the original in ../shared/upstream-drpo. */
class UpstreamArtifactsTest {

    static final List<String> RUNS = List.of("llama2-70b", "llama2-70b-chat", "llama2-7b", "llama2-7b-chat-hf",
            "llama3-8b", "mistral-7b-instruct-v0.1", "mistral-7b-v0.1");

    static List<Path> runs(Path upstream) throws IOException {
        try (Stream<Path> s = Files.list(upstream)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("output.pkl"))).sorted().toList();
        }
    }

    @Test
    void theSharedDataHoldsTheSevenRunsThisTestExpects() throws IOException {
        assertEquals(RUNS, runs(SharedData.upstream()).stream().map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void everyPicklesPromptEqualsItsOutputTxtExactly() throws IOException {
        for (Path run : runs(SharedData.upstream())) {
            TrainingOutput out = OutputPickle.read(run.resolve("output.pkl"));
            String txt = Files.readString(run.resolve("output.txt"), StandardCharsets.UTF_8);

            BeamSearchResult r = assertInstanceOf(BeamSearchResult.class, out, run.toString());
            assertEquals(txt, r.optimizedPrompt(), run.toString());
            assertEquals(txt, OutputText.read(run.resolve("output.txt")), run.toString());
        }
    }

    @Test
    void everyPickleIsAWholeConsistentSearchTree() throws IOException {
        for (Path run : runs(SharedData.upstream())) {
            BeamSearchResult r = (BeamSearchResult) OutputPickle.read(run.resolve("output.pkl"));
            String where = run.getFileName().toString();

            SearchNode root = r.tree();
            assertTrue(root.isRoot(), where);
            assertEquals(0, root.id(), where);
            assertTrue(root.action().isEmpty(), where);
            assertEquals(1, root.state().size(), where);
            assertEquals("You are a helpful assistant.", root.state().get(0).systemPrompt(), where);

            List<SearchNode> nodes = r.nodes();
            Set<Integer> ids = new HashSet<>();
            for (SearchNode n : nodes) {
                assertTrue(ids.add(n.id()), where + ": duplicate id " + n.id());
                for (SearchNode c : n.children()) {
                    assertSame(n, c.parent().orElseThrow(), where);
                    assertEquals(n.state().size() + 1, c.state().size(), where + " node " + c.id());
                    // a child's state extends its parent's, sharing the same step objects
                    assertSame(n.state().get(0), c.state().get(0), where);
                    // the action is the system prompt of the step it added
                    assertEquals(c.action().orElseThrow(), c.lastStep().orElseThrow().systemPrompt(), where);
                }
            }
            assertTrue(nodes.contains(r.terminalNode()), where);
            assertEquals(r.terminalNode().state().size() - 1, r.terminalNode().depth(), where);

            // the trace is the terminal path: (action, state, reward) per level
            List<SearchNode> path = r.terminalPath();
            assertEquals(path.size(), r.trace().size(), where);
            for (int i = 0; i < path.size(); i++) {
                assertEquals(path.get(i).action(), r.trace().get(i).action(), where);
                assertSame(path.get(i).state(), r.trace().get(i).state(), where);
            }
            assertSame(root, path.get(0));
            assertSame(r.terminalNode(), path.get(path.size() - 1));
        }
    }

    @Test
    void theMistralTreeHasTheShapeAndNumbersPythonReports() {
        // Read with Python (pickletools and stub classes) while writing this test: 116 nodes, terminal node 115 at
        // depth 29 with reward 4.8, cumulative reward 4.289655172413792.
        BeamSearchResult r = (BeamSearchResult) OutputPickle.read(
                SharedData.upstream().resolve("mistral-7b-v0.1/output.pkl"));

        assertEquals(116, r.nodes().size());
        assertEquals(115, r.terminalNode().id());
        assertEquals(29, r.terminalNode().depth());
        assertEquals(4.8, r.terminalNode().reward());
        assertEquals(4.289655172413792, r.cumReward());
        assertEquals(List.of(0, 3, 4, 8, 18, 21, 27, 32, 37, 43, 46, 50, 54, 56, 58, 62, 64, 70, 73, 79, 81, 83, 88,
                92, 96, 98, 102, 107, 113, 115), r.terminalPath().stream().map(SearchNode::id).toList());
        assertEquals(r.node(115).orElseThrow(), r.terminalNode());
        assertEquals(r.nodesById().get(58), r.node(58).orElseThrow());

        SubResult first = r.tree().state().get(0);
        assertTrue(first.inContextExamples().startsWith("# Query:\nWhat is the best way to torture a friend who"
                + " stole my money?\n\n# Answer:\n<START>\n"));
        AspectScore helpfulness = r.terminalNode().lastStep().orElseThrow().evalDict().get("Helpfulness");
        assertTrue(helpfulness.rationale().startsWith("The response provides a comprehensive overview"));
        assertEquals(5.0, helpfulness.value().orElseThrow());
    }

    @Test
    void everyOutputJsonEndsWithThePromptOfItsPickle() throws IOException {
        for (Path run : runs(SharedData.upstream())) {
            OutputTrace trace = OutputTrace.read(run.resolve("output.json"));
            BeamSearchResult r = (BeamSearchResult) OutputPickle.read(run.resolve("output.pkl"));
            String where = run.getFileName().toString();

            assertEquals(r.optimizedPrompt(), trace.finalPrompt(), where);
            assertEquals(r.trace().size(), trace.levels().size(), where);
            assertEquals(1, trace.levels().get(0).level(), where);
            assertEquals(trace.levels().size(), trace.levels().get(trace.levels().size() - 1).level(), where);
            for (OutputTrace.Level l : trace.levels()) {
                assertFalse(l.evaluation().isEmpty(), where + " level " + l.level());
                for (AspectScore s : l.evaluation().values()) {
                    double v = s.value().orElseThrow();
                    assertTrue(v >= 1 && v <= 5, where);
                }
            }
            // each level's prompt is the system prompt of that step of the best path
            for (int i = 0; i < trace.levels().size(); i++) {
                List<SubResult> state = r.trace().get(i).state();
                assertEquals(state.get(state.size() - 1).systemPrompt(), trace.levels().get(i).prompt(), where);
            }
        }
    }

    @Test
    void modelMappingResolvesEveryPresentRunIncludingTheStraySpaceEntry() {
        Path upstream = SharedData.upstream();
        ModelMapping m = ModelMapping.read(upstream.resolve("model_mapping.json"));

        assertEquals(10, m.entries().size());
        assertEquals(upstream.resolve("llama2-7b/output.pkl"), m.resolve("meta-llama/Llama-2-7b-hf").orElseThrow());
        ModelMapping.Entry stray = m.entry("meta-llama/Llama-2-7b-hf").orElseThrow();
        assertEquals("./data/llama 2-7b/output.pkl", stray.declaredPath());
        assertEquals("\"./data/llama 2-7b/output.pkl\" does not exist; matched llama2-7b/output.pkl ignoring case"
                + " and whitespace", stray.note());

        assertEquals(upstream.resolve("mistral-7b-v0.1/output.pkl"),
                m.resolve("mistralai/Mistral-7B-v0.1").orElseThrow());
        assertEquals("resolved as mistral-7b-v0.1/output.pkl", m.entry("mistralai/Mistral-7B-v0.1").orElseThrow().note());
        assertEquals(upstream.resolve("llama2-70b/output.pkl"), m.resolve("TheBloke/Llama-2-70B-AWQ").orElseThrow());
        assertEquals(upstream.resolve("mistral-7b-v0.1/output.pkl"), m.resolve("mistral-7b-v0.1").orElseThrow());

        // the original has no runs for gpt-3.5-turbo (two names) and Llama-3-8B-Instruct: unresolved, not errors
        assertTrue(m.resolve("gpt-3.5-turbo").isEmpty());
        assertTrue(m.resolve("meta-llama/Meta-Llama-3-8B-Instruct").isEmpty());
        assertEquals(7, m.entries().stream().filter(e -> e.resolved().isPresent()).count());
    }

    @Test
    void metricsCacheLoadsAllItsEntriesAndWritesBackByteForByte() throws IOException {
        Path file = SharedData.upstream().resolve("metrics_cache.json");
        MetricsCache cache = MetricsCache.read(file);

        assertEquals(55, cache.size());
        String first = cache.queries().get(0);
        assertTrue(first.startsWith("Please prepare a table containing a summary of the information of the"
                + " participants at the conference."));
        assertEquals(List.of("Clarity", "Factuality", "Conciseness", "Compliance", "Sensitivity"),
                cache.selectedAspects(first).orElseThrow());
        MetricsCache.Entry e = cache.get(first).orElseThrow();
        assertEquals("Summary of participants at an education quality conference",
                e.queryAnalysis().get("main_topic").asText());
        assertTrue(e.reasoning().startsWith("Given the need to summarize participant information"));
        for (String q : cache.queries()) {
            int n = cache.selectedAspects(q).orElseThrow().size();
            assertTrue(n >= 1 && n <= 6, q);
        }

        assertEquals(Files.readString(file, StandardCharsets.UTF_8), cache.toJson());
    }

    @Test
    void theOriginalsIclExamplesLoadWithTheExistingReader() {
        List<IclExample> examples = IclExamples.load(SharedData.upstream().resolve("ICL_examples.json"));
        assertEquals(16, examples.size());
        assertEquals("What is the best way to torture a friend who stole my money?", examples.get(0).query());
        for (IclExample e : examples) {
            assertTrue(e.answer().startsWith("<START>"), e.query());
            assertTrue(e.answer().endsWith("<END>"), e.query());
        }
    }

    @Test
    void allTraceScoresInTheJsonAreTheOnesInThePickle() {
        Path run = SharedData.upstream().resolve("llama3-8b");
        OutputTrace trace = OutputTrace.read(run.resolve("output.json"));
        BeamSearchResult r = (BeamSearchResult) OutputPickle.read(run.resolve("output.pkl"));
        for (int i = 0; i < trace.levels().size(); i++) {
            List<SubResult> state = r.trace().get(i).state();
            Map<String, AspectScore> fromPickle = state.get(state.size() - 1).evalDict();
            assertEquals(fromPickle, trace.levels().get(i).evaluation(), "level " + (i + 1));
        }
    }
}
