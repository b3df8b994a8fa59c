package dro.roles;

/** A judge's score on one aspect (1 to 5) with its rationale. */
public record AspectScore(String rationale, double score) {
}
