package dro.roles.internal;

import dro.roles.CallCache;
import dro.roles.internal.LlmRoles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dro.backend.ChatModelRequest;
import dro.backend.ResponseFormat;
import dro.backend.ScriptedChatModel;
import org.junit.jupiter.api.Test;

class ReaskerTest {

    private static final String REMINDER = "\n\nYour previous reply could not be read as the JSON object described"
            + " above. Reply again with only that JSON object.";

    @Test
    void aReaskIsRecordedAtItsOwnSiteExceptForADeterministicCall() {
        assertEquals("L1/3", Reasker.site("L1/3", 0));
        assertEquals("L1/3/reask1", Reasker.site("L1/3", 1));
        assertEquals("R2/reask2", Reasker.site("R2", 2));
        assertEquals("", Reasker.site("", 2));
    }

    @Test
    void aReaskSendsThePromptWithTheReminder() {
        assertEquals("Rate it.", Reasker.prompt("Rate it.", 0));
        assertEquals("Rate it." + REMINDER, Reasker.prompt("Rate it.", 1));
        assertEquals(REMINDER, LlmRoles.REASK);
    }

    @Test
    void sendsTheRolesJsonRequestWithTheSeedOfTheAttemptsSite() {
        ScriptedChatModel fake = new ScriptedChatModel("m");
        CallCache calls = CallCache.none();
        Reasker judge = new Reasker(fake, calls, "judge", 0.3, 0.95, 512, 42L);
        judge.ask("L1", "Rate it.", 0, 1);
        judge.ask("L1", "Rate it.", 1, 2);
        judge.ask("", "Rate it.", 1, 1);
        ChatModelRequest first = fake.received.get(0);
        assertEquals("Rate it.", first.user());
        assertEquals(0.3, first.temperature());
        assertEquals(0.95, first.topP());
        assertEquals(512, first.maxNewTokens());
        assertEquals(ResponseFormat.Type.JSON_OBJECT, first.responseFormat().type());
        assertEquals(Seeds.derive(42L, "judge", "L1"), first.seed());
        ChatModelRequest reask = fake.received.get(1);
        assertEquals("Rate it." + REMINDER, reask.user());
        assertEquals(2, reask.n());
        assertEquals(Seeds.derive(42L, "judge", "L1/reask1"), reask.seed());
        assertEquals(Seeds.derive(42L, "judge", "reask1"), fake.received.get(2).seed());
        assertEquals(java.util.Map.of("judge", 3), calls.stats().madeByRole());
    }

    @Test
    void withoutASeedSendsNone() {
        ScriptedChatModel fake = new ScriptedChatModel("m");
        new Reasker(fake, CallCache.none(), "rewriter", 0.7, 1.0, 2048, null).ask("R1", "p", 1, 1);
        assertNull(fake.received.get(0).seed());
    }
}
