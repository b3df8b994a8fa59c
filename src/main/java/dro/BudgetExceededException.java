package dro;

/**
 * A token budget is spent: thrown before a new model call once the calls made under the budget have spent its limit
 * (prompt plus completion tokens), by {@code dro.backend.internal.BudgetedChatModel} and so by a training, evaluation or ICL
 * run given {@code tokenBudget} ({@code --token-budget}). Nothing of the refused call was sent.
 *
 * <p>Not retriable: the same call fails again until the budget grows. A run's calls are recorded, so running it
 * again with a larger budget resumes where it stopped.
 */
public class BudgetExceededException extends DroException {

    public BudgetExceededException(String message) {
        super(message);
    }
}
