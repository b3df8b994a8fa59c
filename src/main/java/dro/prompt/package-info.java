/**
 * Prompts as files and text: the optimised prompt with its examples, the store and registry of trained prompts,
 * the role prompt templates, and the assembler that builds the system text for inference and training.
 *
 * <p>Layer 3: uses the layers below and {@code dro.icl}.
 */
package dro.prompt;
