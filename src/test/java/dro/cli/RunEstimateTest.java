package dro.cli;

import dro.train.run.TrainConfig;
import dro.train.run.TrainingQueries;
import dro.train.run.DroTrainer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import dro.icl.IclExample;
import dro.icl.IclExamples;
import dro.roles.Role;
import dro.cli.RunEstimate.RoleBound;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RunEstimateTest {

    /** Texts whose lengths are easy to count by hand. */
    static final RunEstimate.PromptTexts TEXTS = new RunEstimate.PromptTexts() {
        @Override
        public String base(String systemPrompt, List<IclExample> examples, String query) {
            StringBuilder sb = new StringBuilder(systemPrompt);
            examples.forEach(e -> sb.append(e.query()).append(e.answer()));
            return sb.append('|').append(query).toString();
        }

        @Override
        public String metrics(String query) {
            return "S:" + query;
        }

        @Override
        public String judge(String query, String output) {
            return "J:" + query + output;
        }

        @Override
        public String optimizer(String systemPrompt, List<String> history, String query, String output,
                                String evaluation) {
            return "O:" + systemPrompt + "#".repeat(history.size()) + query + output + evaluation;
        }

        @Override
        public String reask() {
            return "RR";
        }
    };

    /** One character per token, no overhead; caps: base 10, judge 20, aspects 5, optimiser 30. */
    static final RunEstimate.Assumptions ONE = new RunEstimate.Assumptions(1.0, 0, 10, 20, 5, 30);

    static final List<IclExample> ICL = List.of(new IclExample("q", "a"), new IclExample("qq", "aaa"));

    static TrainConfig.Builder config() {
        return TrainConfig.builder().logDir(Path.of("unused")).initialSystemPrompt("init");
    }

    @Test
    void beamOneActionOneDepthTwoIsCountedCallByCall() {
        TrainConfig c = config().beamSize(1).nActions(1).depth(2).maxDepthIncrease(0).k(1).maxReasks(0).build();
        RunEstimate e = RunEstimate.of(c, List.of("aa", "bbb", "c"), ICL, TEXTS, ONE);

        // init: base + judge on "aa"; level 1: one optimiser call, then base + judge on "bbb"; aspects of aa and bbb
        assertEquals(2, e.steps());
        assertEquals(1, e.levels());
        // base prompts: "init"+"qqaaa"+"|aa" = 12; ""+"qqaaa"+"|bbb" = 9 plus a system prompt of at most 30 = 39
        assertEquals(new RoleBound(Role.BASE, 2, 2, 12 + 39, 2 * 10), e.role(Role.BASE));
        // judge prompts: "J:aa" 4 + an answer of at most 10; "J:bbb" 5 + 10
        assertEquals(new RoleBound(Role.JUDGE, 2, 2, 14 + 15, 2 * 20), e.role(Role.JUDGE));
        assertEquals(new RoleBound(Role.METRICS, 2, 2, 4 + 5, 2 * 5), e.role(Role.METRICS));
        // optimiser: "O:#aa" 5 + current prompt 30 + one version 30 + answer 10 + evaluation 20 = 95; 1 sample of 30
        assertEquals(new RoleBound(Role.OPTIMIZER, 1, 1, 95, 30), e.role(Role.OPTIMIZER));
        assertEquals(7, e.calls());
        assertEquals(7, e.maxCalls());
    }

    @Test
    void reAsksMultiplyTheJsonRolesAndAddTheReminder() {
        TrainConfig c = config().beamSize(1).nActions(1).depth(2).maxDepthIncrease(0).k(1).maxReasks(2).build();
        RunEstimate e = RunEstimate.of(c, List.of("aa", "bbb", "c"), ICL, TEXTS, ONE);

        assertEquals(new RoleBound(Role.BASE, 2, 2, 51, 20), e.role(Role.BASE), "the base model is never re-asked");
        // 29 x 3 asks + 2 calls x 2 re-asks x "RR"
        assertEquals(new RoleBound(Role.JUDGE, 2, 6, 87 + 8, 6 * 20), e.role(Role.JUDGE));
        assertEquals(new RoleBound(Role.METRICS, 2, 6, 27 + 8, 6 * 5), e.role(Role.METRICS));
        assertEquals(new RoleBound(Role.OPTIMIZER, 1, 3, 285 + 4, 3 * 30), e.role(Role.OPTIMIZER));
        assertEquals(7, e.calls());
        assertEquals(17, e.maxCalls());
    }

    @Test
    void theBeamFillsUpLevelByLevelAndTheQueriesCapTheDepth() {
        // depth 20 + 10 but only 7 queries: 7 steps, levels 1..6 expand 1, 2, 3, 3, 3, 3 items
        TrainConfig c = config().beamSize(3).nActions(2).depth(20).maxDepthIncrease(10).maxReasks(0).build();
        RunEstimate e = RunEstimate.of(c, List.of("a", "b", "c", "d", "e", "f", "g"), ICL, TEXTS, ONE);

        assertEquals(7, e.steps());
        assertEquals(15, e.role(Role.OPTIMIZER).calls());
        assertEquals(15 * 2 * 30, e.role(Role.OPTIMIZER).completionTokens(), "2 samples of 30 per call");
        assertEquals(1 + 15 * 2, e.role(Role.BASE).calls());
        assertEquals(31, e.role(Role.JUDGE).calls());
        assertEquals(7, e.role(Role.METRICS).calls());
    }

    @Test
    void theDepthExtensionCountsUpToItsMaximum() {
        TrainConfig c = config().beamSize(1).nActions(1).depth(2).maxDepthIncrease(2).maxReasks(0).build();
        RunEstimate e = RunEstimate.of(c, List.of("a", "b", "c", "d", "e", "f"), ICL, TEXTS, ONE);
        assertEquals(4, e.steps());
        assertEquals(3, e.role(Role.OPTIMIZER).calls());
        assertEquals(4, e.role(Role.BASE).calls());
    }

    @Test
    void aspectsAreSelectedOncePerDistinctQuery() {
        TrainConfig c = config().beamSize(1).nActions(1).depth(3).maxDepthIncrease(0).maxReasks(0).build();
        RunEstimate e = RunEstimate.of(c, List.of("a", "a", "b"), ICL, TEXTS, ONE);
        assertEquals(new RoleBound(Role.METRICS, 2, 2, 3 + 3, 10), e.role(Role.METRICS));
        assertEquals(3, e.role(Role.JUDGE).calls());
    }

    @Test
    void charactersBecomeTokensRoundedUpPlusTheChatOverhead() {
        RunEstimate.Assumptions a = new RunEstimate.Assumptions(3.0, 8, 10, 20, 5, 30);
        assertEquals(3, a.tokens("abcdefg"));
        assertEquals(2, a.tokens("abcdef"));
        TrainConfig c = config().beamSize(1).nActions(1).depth(1).maxDepthIncrease(0).k(1).maxReasks(0).build();
        RunEstimate e = RunEstimate.of(c, List.of("aa"), ICL, TEXTS, a);
        // "init"+"qqaaa"+"|aa" = 12 chars = 4 tokens, + 8
        assertEquals(new RoleBound(Role.BASE, 1, 1, 12, 10), e.role(Role.BASE));
        // "S:aa" = 4 chars = 2 tokens, + 8
        assertEquals(new RoleBound(Role.METRICS, 1, 1, 10, 5), e.role(Role.METRICS));
        assertEquals(0, e.role(Role.OPTIMIZER).calls());
    }

    @Test
    void theDefaultRunOverTheBundledPoolsIsBoundedBy431CallsOr949WithReAsks() {
        TrainConfig c = TrainConfig.builder().logDir(Path.of("unused")).build();
        List<String> queries = DroTrainer.queriesFor(c, TrainingQueries.bundled());
        RunEstimate e = RunEstimate.of(c, queries, IclExamples.bundled());

        // 30 steps; levels 1..29 expand 1 + 28 x 2 = 57 beam items of 3 children each
        assertEquals(30, e.steps());
        assertEquals(57, e.role(Role.OPTIMIZER).calls());
        assertEquals(172, e.role(Role.BASE).calls());
        assertEquals(172, e.role(Role.JUDGE).calls());
        assertEquals(30, e.role(Role.METRICS).calls());
        assertEquals(431, e.calls());
        assertEquals(172 + 3 * (172 + 30 + 57), e.maxCalls());
        assertEquals(172L * 2048, e.role(Role.BASE).completionTokens());
        assertEquals(171L * 3 * 2048, e.role(Role.OPTIMIZER).completionTokens());
        assertEquals(90L * 2048, e.role(Role.METRICS).completionTokens());
        // every base prompt holds at least a system prompt bound of 2048 tokens after the initial step
        assertTrue(e.role(Role.BASE).promptTokens() > 171L * 2048, "" + e.role(Role.BASE));
    }

    @Test
    void pricesGiveTheCostPerRoleAndInTotal() {
        TrainConfig c = config().beamSize(1).nActions(1).depth(2).maxDepthIncrease(0).k(1).maxReasks(0).build();
        RunEstimate e = RunEstimate.of(c, List.of("aa", "bbb", "c"), ICL, TEXTS, ONE);
        Map<Role, RunEstimate.Price> prices = RunEstimate.prices(List.of("judge=1000000/2000000", "optimizer=0.5/1"));
        Map<Role, String> models = new EnumMap<>(Map.of(Role.BASE, "m", Role.JUDGE, "j", Role.METRICS, "s",
                Role.OPTIMIZER, "o"));

        assertEquals(29 + 2 * 40, prices.get(Role.JUDGE).cost(e.role(Role.JUDGE)), 1e-9);
        String text = e.describe(models, prices);
        // judge: 29 input tokens at $1 each + 40 output tokens at $2 each = 109.00
        assertTrue(Pattern.compile("(?m)^  judge +j +2 +2 +29 +40 +109\\.00$").matcher(text).find(), text);
        assertTrue(Pattern.compile("(?m)^  base +m +2 +2 +51 +20 +-$").matcher(text).find(), text);
        assertTrue(Pattern.compile("(?m)^  total +7 +7 +" + (51 + 29 + 9 + 95) + " +" + (20 + 40 + 10 + 30)
                + " +109\\.00\\*$").matcher(text).find(), text);
        // optimiser: (95 x 0.5 + 30 x 1) / 1e6, rounds to 0.00; total 109.00, without the unpriced base and metrics
        assertTrue(text.contains("109.00*"), text);
        assertTrue(text.contains("* without the unpriced role(s): base, metrics"), text);
        assertTrue(text.contains("asked again 0 times (--max-reasks)"), text);
    }

    @Test
    void badPricesAreNamed() {
        assertEquals("--price must be ROLE=IN/OUT, with ROLE one of base, judge, metrics, optimizer and IN, OUT the USD"
                        + " per million input and output tokens (e.g. judge=10/30), but was \"judge=10\"",
                assertThrows(InvalidRequestException.class, () -> RunEstimate.prices(List.of("judge=10"))).getMessage());
        assertEquals("--price gpt4=10/30 names no role: \"gpt4\" is not one of base, judge, metrics, optimizer",
                assertThrows(InvalidRequestException.class, () -> RunEstimate.prices(List.of("gpt4=10/30")))
                        .getMessage());
        assertEquals("--price gives the judge role twice", assertThrows(InvalidRequestException.class,
                () -> RunEstimate.prices(List.of("judge=1/2", "JUDGE=3/4"))).getMessage());
        assertEquals(Map.of(Role.BASE, new RunEstimate.Price(0.2, 0.6)), RunEstimate.prices(List.of(" base=0.2/0.6")));
        assertEquals(Collections.emptyMap(), RunEstimate.prices(List.of()));
    }

    @Test
    void badAssumptionsAreNamed() {
        assertEquals("charsPerToken must be greater than 0.0, but was 0.0", assertThrows(InvalidRequestException.class,
                () -> new RunEstimate.Assumptions(0, 8, 1, 1, 1, 1)).getMessage());
        assertEquals("metricsMaxTokens must be positive, but was 0", assertThrows(InvalidRequestException.class,
                () -> new RunEstimate.Assumptions(3, 8, 1, 1, 0, 1)).getMessage());
    }
}
