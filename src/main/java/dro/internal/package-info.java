/**
 * Helpers with no DRO meaning: atomic file writes, digests, the JSON mapper, the retry policy, user, cache and
 * configuration directories, validation of arguments, a small parallel map, HTML escaping. Not exported: not API.
 *
 * <p>Layer 1 (the bottom, with the root package's values and exceptions): uses only the JDK, Jackson, SLF4J and the
 * root's exceptions.
 */
package dro.internal;
