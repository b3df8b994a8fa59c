/**
 * The original DRO's files read as plain data, behind {@link dro.compat}: the pickle machine
 * ({@link dro.compat.internal.SafeUnpickler}, {@link dro.compat.internal.PyObject},
 * {@link dro.compat.internal.PyGlobal}), {@code output.pkl} ({@link dro.compat.internal.OutputPickle} and the search
 * tree it holds), {@code output.txt}, {@code output.json}, {@code model_mapping.json}, and the importer of a directory
 * laid out like the original's {@code data/} ({@link dro.compat.internal.OriginalDataImporter}, behind
 * {@code dro prompts import}). Not exported: a user reaches the original's prompts through
 * {@link dro.compat.OriginalPrompts} and {@code AutoModel}.
 *
 * <p>Layer 3, with {@link dro.compat}: uses the layers below.
 */
package dro.compat.internal;
