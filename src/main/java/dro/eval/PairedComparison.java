package dro.eval;

/**
 * Configuration {@code a} against configuration {@code b}, query by query, on each answer's mean score. Only queries
 * where both answers were judged count.
 *
 * @param a          the configuration compared
 * @param b          the configuration it is compared with
 * @param n          queries compared
 * @param wins       queries where {@code a}'s answer scored higher
 * @param ties       queries where both scored the same
 * @param losses     queries where {@code b}'s answer scored higher
 * @param signTestP  the two-sided sign test's p-value over wins and losses (ties left out); 1 when all tie
 * @param difference the mean of {@code a}'s score minus {@code b}'s, with its 95% confidence interval (paired t)
 */
public record PairedComparison(String a, String b, int n, int wins, int ties, int losses, double signTestP,
                               MeanEstimate difference) {
}
