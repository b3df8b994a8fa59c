/**
 * ICL optimisation: rewriting the in-context answers with the judges' critique until they score well.
 *
 * <p>Layer 5, beside the search core: uses {@code dro.roles} and the layers below.
 */
package dro.train.icl;
