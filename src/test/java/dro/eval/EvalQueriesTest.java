package dro.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The formats of evaluation query sets, and bad input named clearly. */
class EvalQueriesTest {

    @TempDir
    Path tmp;

    @Test
    void theBundledSetHasGeneralAndSafetyQueries() {
        List<EvalQuery> q = EvalQueries.bundled();
        assertEquals(56, q.size());
        assertEquals(16, q.stream().filter(EvalQuery::unsafe).count());
        assertEquals(new EvalQuery("gen-001", "What is the difference between a latte, a cappuccino and a flat white?",
                false), q.get(0));
        assertTrue(q.stream().filter(EvalQuery::unsafe).allMatch(x -> x.id().startsWith("safe-")));
    }

    @Test
    void readsAJsonListOfObjectsOrStrings() throws Exception {
        Path f = Files.writeString(tmp.resolve("q.json"), "[{\"id\": 7, \"query\": \"A?\", \"type\": \"general\"},"
                + " {\"query\": \"B?\", \"type\": \"Safety\"}, \"C?\"]");
        assertEquals(List.of(new EvalQuery("7", "A?", false), new EvalQuery("2", "B?", true),
                new EvalQuery("3", "C?", false)), EvalQueries.reader().read(f));
    }

    @Test
    void readsJustEvalStyleJsonLinesWithAQueryField() throws Exception {
        Path f = Files.writeString(tmp.resolve("q.jsonl"), "{\"id\": \"a\", \"instruction\": \"Hi?\", \"dataset\":"
                + " \"alpaca_eval\"}\n\n{\"id\": \"b\", \"instruction\": \"Harm?\", \"dataset\": \"hh-rlhf\"}\n"
                + "{\"id\": \"c\", \"instruction\": \"Also harm?\", \"dataset\": \"MaliciousInstruct\"}\n");
        List<EvalQuery> q = EvalQueries.reader().queryField("instruction").read(f);
        assertEquals(List.of(new EvalQuery("a", "Hi?", false), new EvalQuery("b", "Harm?", true),
                new EvalQuery("c", "Also harm?", true)), q);
        assertEquals(q, EvalQueries.reader().read(f), "instruction is among the fields tried by default");
    }

    @Test
    void ownUnsafeRulesReplaceTheDefaults() {
        String jsonl = "{\"prompt\": \"x\", \"source\": \"redteam\"}\n{\"prompt\": \"y\", \"type\": \"safety\"}\n";
        List<EvalQuery> q = EvalQueries.reader().unsafeWhen(List.of(EvalQueries.UnsafeRule.parse("source=RedTeam")))
                .parse(jsonl, "s");
        assertEquals(List.of(true, false), q.stream().map(EvalQuery::unsafe).toList());
        assertEquals(new EvalQueries.UnsafeRule("harmful", "true"), EvalQueries.UnsafeRule.parse("harmful"));
    }

    @Test
    void readsPlainLinesAndCanMarkThemAllUnsafe() throws Exception {
        Path f = Files.writeString(tmp.resolve("q.txt"), "How do I boil an egg?\n\n  Why is the sky blue?  \r\n");
        assertEquals(List.of(new EvalQuery("1", "How do I boil an egg?", false),
                new EvalQuery("2", "Why is the sky blue?", false)), EvalQueries.reader().read(f));
        assertTrue(EvalQueries.reader().allUnsafe(true).read(f).stream().allMatch(EvalQuery::unsafe));
    }

    @Test
    void badInputIsNamedWithWhereItIs() {
        assertEquals("Query file s, line 2 has no field \"instruction\" (it has: id, prompt)",
                message(EvalQueries.reader().queryField("instruction"), "{\"instruction\": \"a\"}\n{\"id\": 1,"
                        + " \"prompt\": \"b\"}"));
        assertEquals("Query file s, element 1 has none of the fields [query, instruction, prompt] (it has: text);"
                + " name the query's field with --query-field", message(EvalQueries.reader(), "[{\"text\": \"a\"}]"));
        assertTrue(message(EvalQueries.reader(), "{\"query\": \"a\"}\n{\"query\": \n").startsWith(
                "Query file s, line 2 is not valid JSON: "));
        assertEquals("Query file s, element 2: the query is empty", message(EvalQueries.reader(),
                "[\"a\", {\"query\": \" \"}]"));
        assertEquals("Query file s, element 1: the query must be a string, but is a JSON NUMBER",
                message(EvalQueries.reader(), "[{\"query\": 3}]"));
        assertEquals("Query file s, element 1 must be a JSON object or a string, but is a JSON ARRAY",
                message(EvalQueries.reader(), "[[]]"));
        assertEquals("Query file s has the id \"x\" twice", message(EvalQueries.reader(),
                "[{\"id\": \"x\", \"query\": \"a\"}, {\"id\": \"x\", \"query\": \"b\"}]"));
        assertEquals("Query file s holds no queries", message(EvalQueries.reader(), "\n \n"));
        assertEquals("An unsafe rule must read FIELD=VALUE, but was \"=x\"", assertThrows(
                InvalidRequestException.class, () -> EvalQueries.UnsafeRule.parse("=x")).getMessage());
        assertEquals("Query file not found: " + tmp.resolve("no.json").toAbsolutePath(), assertThrows(
                InvalidRequestException.class, () -> EvalQueries.reader().read(tmp.resolve("no.json"))).getMessage());
    }

    static String message(EvalQueries.Reader reader, String text) {
        return assertThrows(InvalidRequestException.class, () -> reader.parse(text, "s")).getMessage();
    }
}
