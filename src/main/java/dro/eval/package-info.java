/**
 * Evaluation: answering evaluation queries under several configurations, judging the answers, and the statistics
 * that compare them (means with confidence intervals, paired comparisons), with run files and reports.
 *
 * <p>Layer 5: uses {@code dro.roles} and the layers below; imports nothing from {@code dro.train}.
 */
package dro.eval;
