package dro.backend.internal;

import dro.backend.ScriptedChatModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.BudgetExceededException;
import dro.InvalidRequestException;
import dro.TokenStream;
import dro.Usage;
import java.util.List;
import org.junit.jupiter.api.Test;

class BudgetedChatModelTest {

    @Test
    void refusesANewCallOnceTheCallsItLetThroughSpentTheLimit() {
        ScriptedChatModel fake = new ScriptedChatModel("m").thenAnswer("a", new Usage(6, 4, -1));
        BudgetedChatModel m = new BudgetedChatModel(fake, new BudgetedChatModel.Budget(10));
        assertEquals("a", m.chat(ScriptedChatModel.request("q")).text());
        BudgetExceededException e = assertThrows(BudgetExceededException.class,
                () -> m.chat(ScriptedChatModel.request("q")));
        assertEquals("The token budget of 10 is spent (10 tokens in 1 calls); run again with a larger budget to"
                + " resume where it stopped", e.getMessage());
        assertEquals(1, fake.received.size());
        assertEquals(10, m.budget().spent());
        assertEquals(1, m.budget().calls());
    }

    @Test
    void aCallUnderTheLimitRunsToItsEndEvenIfItOvershoots() {
        BudgetedChatModel m = new BudgetedChatModel(new ScriptedChatModel("m"), new BudgetedChatModel.Budget(14));
        m.chat(ScriptedChatModel.request("a"));
        m.chat(ScriptedChatModel.request("b"));
        assertEquals(26, m.budget().spent());
        assertThrows(BudgetExceededException.class, () -> m.chat(ScriptedChatModel.request("c")));
    }

    @Test
    void modelsSharingABudgetSpendTogetherAndABatchSpendsEveryReply() {
        BudgetedChatModel.Budget budget = new BudgetedChatModel.Budget(30);
        BudgetedChatModel a = new BudgetedChatModel(new ScriptedChatModel("a"), budget);
        BudgetedChatModel b = new BudgetedChatModel(new ScriptedChatModel("b"), budget);
        a.chatAll(List.of(ScriptedChatModel.request("1"), ScriptedChatModel.request("2")));
        b.chat(ScriptedChatModel.request("3"));
        assertEquals(39, budget.spent());
        assertThrows(BudgetExceededException.class, () -> a.chat(ScriptedChatModel.request("4")));
    }

    @Test
    void aStreamThatSpendsTheBudgetRefusesTheNextCall() {
        ScriptedChatModel fake = new ScriptedChatModel("m").thenAnswer("abcd", new Usage(6, 4, -1));
        BudgetedChatModel m = new BudgetedChatModel(fake, new BudgetedChatModel.Budget(10));
        try (TokenStream s = m.stream(ScriptedChatModel.request("q"))) {
            s.forEachRemaining(p -> { });
        }
        assertEquals(10, m.budget().spent());
        assertEquals(1, m.budget().calls());
        assertThrows(BudgetExceededException.class, () -> m.chat(ScriptedChatModel.request("q")));
        assertThrows(BudgetExceededException.class, () -> m.stream(ScriptedChatModel.request("q")));
        assertEquals(1, fake.received.size());
    }

    @Test
    void refusesALimitBelowOne() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> new BudgetedChatModel.Budget(0));
        assertTrue(e.getMessage().contains("was 0"), e.getMessage());
    }
}
