/**
 * Models from the Hugging Face hub: the catalogue of known models, resolving, pinned and resumable downloads with
 * progress.
 *
 * <p>Layer 3: uses the layers below ({@code dro.backend}, {@code dro.gguf}, the bottom layer).
 */
package dro.hub;
