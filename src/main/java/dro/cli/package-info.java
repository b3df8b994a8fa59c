/**
 * The {@code dro} command line (picocli): generate, train, optimize-icl, eval, prompts, native. The only package
 * besides examples that prints.
 *
 * <p>Top layer: may use every package.
 */
package dro.cli;
