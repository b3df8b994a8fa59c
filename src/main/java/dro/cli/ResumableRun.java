package dro.cli;

import dro.BudgetExceededException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The frame shared by the resumable commands (train, optimize-icl, eval): while the work runs, an interruption
 * (Ctrl-C, SIGTERM) prints how to resume; the role models are closed at the end; a spent token budget ends the
 * command with exit code 3.
 */
final class ResumableRun {

    /** The work of one command, given its role models; returns the exit code. */
    interface Work {
        int run(RoleModels models) throws IOException;
    }

    private ResumableRun() { }

    static int run(PrintWriter err, Path dir, Supplier<RoleModels> models, Work work) throws IOException {
        Thread hook = new Thread(() -> err.println("dro: interrupted; run the same command again to resume from "
                + dir));
        Runtime.getRuntime().addShutdownHook(hook);
        try (RoleModels m = models.get()) {
            return work.run(m);
        } catch (BudgetExceededException e) {
            err.println("dro: " + e.getMessage());
            return 3;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // shutting down
            }
            err.flush();
        }
    }
}
