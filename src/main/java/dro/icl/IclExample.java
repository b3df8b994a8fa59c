package dro.icl;

/**
 * One in-context example: a query and its answer. In the original's files the answer is stored with its markers,
 * {@code "<START>\n...\n<END>"}, and is put into the system prompt as stored.
 */
public record IclExample(String query, String answer) {
}
