/**
 * The local implementation of {@link dro.backend.ChatModel}: GGUF models through java-llama.cpp (JSON through a
 * grammar), with the choice, probing and building of the native library, GPU planning and slot scheduling.
 * Implementation detail: not exported.
 *
 * <p>Layer 2: uses {@code dro.backend}, {@code dro.gguf} (to plan a load from the file's metadata) and the bottom
 * layer.
 */
package dro.backend.llamacpp;
