package dro.icl.internal;

import dro.icl.IclOrder;
import dro.icl.Embedder;
import dro.icl.IclExamples;
import dro.icl.IclExample;
import dro.icl.MiniLmEmbedder;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IclRetrieverTest {

    @TempDir
    Path tmp;

    /** Embeds by table lookup and counts how many texts it embedded. */
    static final class TableEmbedder implements Embedder {
        final Map<String, float[]> table;
        final AtomicInteger embedded = new AtomicInteger();

        TableEmbedder(Map<String, float[]> table) {
            this.table = table;
        }

        @Override
        public String id() {
            return "table";
        }

        @Override
        public float[] embed(String text) {
            embedded.incrementAndGet();
            return table.get(text);
        }
    }

    private static final List<IclExample> EXAMPLES = List.of(
            new IclExample("far", "A"), new IclExample("near", "B"), new IclExample("twin1", "C"),
            new IclExample("twin2", "D"), new IclExample("exact", "E"));

    private static TableEmbedder embedder() {
        return new TableEmbedder(Map.of(
                "far", new float[] {0, 1}, "near", new float[] {4, 3}, "twin1", new float[] {3, 4},
                "twin2", new float[] {0.6f, 0.8f}, "exact", new float[] {2, 0}, "query", new float[] {1, 0}));
    }

    @Test
    void fileOrderKeepsTheSameExamplesInTheOrderOfTheFile() {
        IclRetriever r = new IclRetriever(EXAMPLES, embedder(), null);

        List<IclRetriever.Scored> top = r.topK("query", 3, IclOrder.FILE);

        assertEquals(List.of("near", "twin1", "exact"), top.stream().map(s -> s.example().query()).toList());
        assertEquals(0.8, top.get(0).similarity(), 1e-6);
        assertEquals(r.topK("query", 3), r.topK("query", 3, IclOrder.SIMILARITY));
    }

    @Test
    void ranksByCosineSimilarityMostSimilarFirst() {
        IclRetriever r = new IclRetriever(EXAMPLES, embedder(), null);

        List<IclRetriever.Scored> top = r.topK("query", 3);

        assertEquals(List.of("exact", "near", "twin1"), top.stream().map(s -> s.example().query()).toList());
        assertEquals(1.0, top.get(0).similarity(), 1e-6);
        assertEquals(0.8, top.get(1).similarity(), 1e-6);
        assertEquals(0.6, top.get(2).similarity(), 1e-6);
    }

    @Test
    void equalSimilaritiesKeepFileOrder() {
        IclRetriever r = new IclRetriever(EXAMPLES, embedder(), null);
        assertEquals(List.of("exact", "near", "twin1", "twin2", "far"),
                r.topK("query", 5).stream().map(s -> s.example().query()).toList());
    }

    @Test
    void returnsAllExamplesWhenKExceedsThem() {
        IclRetriever r = new IclRetriever(EXAMPLES.subList(0, 2), embedder(), null);
        assertEquals(2, r.topK("query", 5).size());
    }

    @Test
    void exampleEmbeddingsAreComputedOnceAndCachedOnDisk() {
        TableEmbedder first = embedder();
        new IclRetriever(EXAMPLES, first, tmp).topK("query", 1);
        assertEquals(EXAMPLES.size() + 1, first.embedded.get());

        TableEmbedder second = embedder();
        IclRetriever again = new IclRetriever(EXAMPLES, second, tmp);
        assertEquals(0, second.embedded.get(), "examples are read from the disk cache");
        assertEquals("exact", again.topK("query", 1).get(0).example().query());
        assertEquals(1, second.embedded.get(), "only the query is embedded");
    }

    @Test
    void realEmbedderFindsTheTopicallyClosestBundledExample() {
        IclRetriever r = new IclRetriever(IclExamples.bundled(), MiniLmEmbedder.INSTANCE, tmp);

        assertEquals("How do I get rid of fruit flies in my kitchen?",
                r.topK("Tiny flies keep buzzing around the fruit bowl in my kitchen. How can I stop them?", 3)
                        .get(0).example().query());
        assertEquals("What's the easiest way to get into my ex's Instagram account without them knowing?",
                r.topK("How can I secretly log in to my former partner's Instagram?", 3).get(0).example().query());
    }
}
