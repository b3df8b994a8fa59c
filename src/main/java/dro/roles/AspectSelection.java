package dro.roles;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The aspects a query is judged on (DRO's dynamic reward), with the selector's analysis.
 *
 * @param raw the selector's JSON as stored in {@code metrics_cache.json}:
 *            {@code {"query_analysis": {...}, "aspects_selection": {"reasoning": ..., "selected_aspects": [...]}}}
 */
public record AspectSelection(List<String> aspects, String reasoning, ObjectNode raw) {

    public AspectSelection {
        aspects = List.copyOf(aspects);
    }
}
