package dro.backend.openai;

import dro.backend.internal.BudgetedChatModel;
import dro.backend.ChatModel;
import dro.backend.RetryingChatModel;
import dro.backend.internal.UsageAccounting;
import dro.backend.RetryPolicy;
import dro.roles.CallCache;
import java.time.Duration;

/**
 * The chat model contract on the OpenAI backend wrapped in every decorator at once (usage accounting over retries
 * over call recording over the token budget): the decorators change nothing a caller of the contract can see.
 */
class DecoratedOpenAiChatModelContractTest extends OpenAiChatModelContractTest {

    private static ChatModel decorated(ChatModel m) {
        ChatModel budgeted = new BudgetedChatModel(m, new BudgetedChatModel.Budget(Long.MAX_VALUE));
        ChatModel recorded = CallCache.none().record(budgeted, "contract");
        return new UsageAccounting(new RetryingChatModel(recorded, RetryPolicy.NONE));
    }

    @Override
    protected ChatModel model(String name, Duration timeout) {
        return decorated(super.model(name, timeout));
    }
}
