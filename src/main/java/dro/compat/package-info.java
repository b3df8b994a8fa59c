/**
 * The original DRO's artefacts: its prompts, metrics cache, outputs and pickled search traces (read by a safe
 * unpickler), imported into and exported from dro4j's own formats.
 *
 * <p>Layer 3: uses the layers below.
 */
package dro.compat;
