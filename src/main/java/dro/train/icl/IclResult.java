package dro.train.icl;

import dro.icl.IclExample;
import dro.roles.CallCache;
import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of ICL optimisation.
 *
 * @param answers what became of each seed, in seed order
 * @param iclFile the written ICL file, in the original's shape, which {@code AutoModel} takes as it is
 * @param stats   calls made and reused, tokens spent (this process only)
 * @param runDir  where the run's files are
 */
public record IclResult(List<RefinedAnswer> answers, Path iclFile, CallCache.Stats stats, Path runDir) {

    public IclResult {
        answers = List.copyOf(answers);
    }

    /** The optimised examples, in seed order. */
    public List<IclExample> examples() {
        return answers.stream().map(a -> new IclExample(a.query(), a.answer())).toList();
    }
}
