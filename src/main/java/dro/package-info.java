/**
 * The public face of dro4j: {@link dro.AutoModel}, the facade that loads a model (a local GGUF through llama.cpp or an
 * OpenAI-compatible API), applies an optimised DRO system prompt with its in-context examples, and generates; and the
 * vocabulary every layer shares: values ({@link dro.Generation}, {@link dro.Usage}, {@link dro.FinishReason},
 * {@link dro.GenerateOptions}, ...) and the exception family rooted at {@link dro.DroException}.
 *
 * <p>Layer: the values and exceptions sit at the bottom, beside {@code dro.internal}, and use nothing else but
 * {@code dro.icl}'s example types they carry; {@code AutoModel} alone is on the top layer and may use every package.
 * (The layers are checked by {@code PackageLayersTest}.)
 */
package dro;
