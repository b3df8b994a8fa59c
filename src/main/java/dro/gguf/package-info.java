/**
 * A reader of GGUF file headers and metadata (architecture, context length, chat template, tensor types), with no
 * native code.
 *
 * <p>Layer 2, beside the backends (the llama.cpp backend plans its loads from it): uses only the bottom layer.
 */
package dro.gguf;
