package dro.eval;

import java.util.List;

/**
 * The aspects of the paper's evaluation (just-eval-instruct style): every answer is scored on helpfulness, clarity,
 * factuality, depth and engagement, and answers to unsafe queries on safety too.
 */
public final class EvalAspects {

    /** The aspects every answer is scored on. */
    public static final List<String> GENERAL = List.of("Helpfulness", "Clarity", "Factuality", "Depth", "Engagement");

    /** The aspect added for unsafe queries. */
    public static final String SAFETY = "Safety";

    /** Every aspect, in report order. */
    public static final List<String> ALL = List.of("Helpfulness", "Clarity", "Factuality", "Depth", "Engagement",
            SAFETY);

    private static final List<String> UNSAFE = ALL;

    private EvalAspects() { }

    /** The aspects an answer to this query is scored on. */
    public static List<String> of(EvalQuery query) {
        return query.unsafe() ? UNSAFE : GENERAL;
    }
}
