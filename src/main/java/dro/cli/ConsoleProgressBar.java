package dro.cli;

import dro.hub.DownloadListener;
import dro.hub.HubException;
import dro.hub.HfFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress bar for a terminal: one line, redrawn in place with a carriage return, at most every
 * {@value #REDRAW_MILLIS} ms, showing percentage, bytes and speed. The command line draws it on standard error so
 * that standard output stays clean.
 *
 * <pre>
 * Downloading hf://TheBloke/Mistral-7B-v0.1-GGUF/mistral-7b-v0.1.Q4_K_M.gguf (4.07 GiB)
 * [##############----------------]  47%  1.91 GiB / 4.07 GiB  38.2 MiB/s
 * </pre>
 *
 * <p>Thread-safe: events from several downloads are serialised (but their lines will interleave).
 */
public final class ConsoleProgressBar implements DownloadListener {

    static final long REDRAW_MILLIS = 200;
    private static final int WIDTH = 30;

    private final PrintWriter out;
    private final LongSupplier nanoClock;
    private long lastDraw = Long.MIN_VALUE;
    private long startNanos;
    private long startBytes;
    private boolean open;

    /** A bar drawn on {@code out}. */
    public ConsoleProgressBar(PrintWriter out) {
        this(out, System::nanoTime);
    }

    /** A bar drawn on {@code out}, timed by {@code nanoClock} (for tests). */
    public ConsoleProgressBar(PrintWriter out, LongSupplier nanoClock) {
        this.out = out;
        this.nanoClock = nanoClock;
    }

    @Override
    public synchronized void started(HfFile file, long totalBytes, long resumedFrom) {
        endLine();
        out.println("Downloading " + file + (totalBytes >= 0 ? " (" + bytes(totalBytes) + ")" : "")
                + (resumedFrom > 0 ? ", resuming after " + bytes(resumedFrom) : ""));
        startNanos = nanoClock.getAsLong();
        startBytes = resumedFrom;
        lastDraw = Long.MIN_VALUE;
        draw(resumedFrom, totalBytes);
    }

    @Override
    public synchronized void progress(HfFile file, long bytesDone, long totalBytes) {
        long now = nanoClock.getAsLong();
        if (lastDraw != Long.MIN_VALUE && now - lastDraw < REDRAW_MILLIS * 1_000_000L
                && bytesDone != totalBytes) {
            return;
        }
        draw(bytesDone, totalBytes);
    }

    @Override
    public synchronized void retrying(HfFile file, int failedAttempt, int maxAttempts, HubException cause) {
        endLine();
        out.println("Attempt " + failedAttempt + " of " + maxAttempts + " failed: " + cause.getMessage());
        out.flush();
    }

    @Override
    public synchronized void finished(HfFile file, Path path) {
        endLine();
        out.println("Saved " + path);
        out.flush();
    }

    @Override
    public synchronized void failed(HfFile file, HubException cause) {
        endLine();
        out.flush();
    }

    private void draw(long done, long total) {
        lastDraw = nanoClock.getAsLong();
        StringBuilder sb = new StringBuilder("\r");
        if (total > 0) {
            int filled = (int) Math.min(WIDTH, done * WIDTH / total);
            sb.append('[').append("#".repeat(filled)).append("-".repeat(WIDTH - filled)).append(']');
            sb.append(String.format(Locale.ROOT, " %3d%%", done * 100 / total));
            sb.append("  ").append(bytes(done)).append(" / ").append(bytes(total));
        } else {
            sb.append(bytes(done));
        }
        double seconds = (lastDraw - startNanos) / 1e9;
        if (seconds >= 0.5 && done > startBytes) {
            sb.append("  ").append(bytes((long) ((done - startBytes) / seconds))).append("/s");
        }
        sb.append("   ");
        out.print(sb);
        out.flush();
        open = true;
    }

    private void endLine() {
        if (open) {
            out.println();
            open = false;
        }
    }

    /** A byte count for people: {@code 512 B}, {@code 1.50 KiB}, {@code 4.07 GiB}. */
    /** A size for people: {@code 512 B}, {@code 1.50 KiB}, {@code 4.07 GiB}. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s", v, units[u]);
    }
}
