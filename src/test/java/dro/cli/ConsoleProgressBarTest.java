package dro.cli;

import dro.hub.HfFile;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConsoleProgressBarTest {

    @Test
    void drawsOneLineRedrawnInPlaceAtMostEveryTwoHundredMilliseconds() {
        StringWriter s = new StringWriter();
        AtomicLong clock = new AtomicLong();
        ConsoleProgressBar bar = new ConsoleProgressBar(new PrintWriter(s), clock::get);
        HfFile f = HfFile.of("o/r", "m.gguf");
        long mib = 1 << 20;

        bar.started(f, 4 * mib, 0);
        clock.set(100_000_000); // 0.1 s: too soon to redraw
        bar.progress(f, mib, 4 * mib);
        clock.set(1_000_000_000); // 1 s
        bar.progress(f, 2 * mib, 4 * mib);
        clock.set(1_050_000_000);
        bar.progress(f, 4 * mib, 4 * mib); // the end is always drawn
        bar.finished(f, Path.of("/cache/m.gguf"));

        assertEquals("Downloading hf://o/r/m.gguf (4.00 MiB)" + System.lineSeparator()
                + "\r[------------------------------]   0%  0 B / 4.00 MiB   "
                + "\r[###############---------------]  50%  2.00 MiB / 4.00 MiB  2.00 MiB/s   "
                + "\r[##############################] 100%  4.00 MiB / 4.00 MiB  3.81 MiB/s   "
                + System.lineSeparator() + "Saved /cache/m.gguf" + System.lineSeparator(), s.toString());
    }

    @Test
    void countsBytesWithoutATotal() {
        assertEquals("512 B", ConsoleProgressBar.bytes(512));
        assertEquals("1.50 KiB", ConsoleProgressBar.bytes(1536));
        assertEquals("4.07 GiB", ConsoleProgressBar.bytes(4_368_438_912L));
    }
}
