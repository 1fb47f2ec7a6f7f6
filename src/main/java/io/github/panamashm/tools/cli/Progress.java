// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A long run's progress on stderr, about once a second: one line kept up to date on a terminal, a
 * line per second where asked for ({@code --progress}) and the output is not a terminal, nothing
 * otherwise. The same lines as the C programs' (shm_cli.h). Cheap enough for the hot loop: the
 * clock is read about ten times a second whatever the call rate (every call when calls are rare).
 * Java tells a terminal by its console (standard input and output), C by standard error.
 */
final class Progress {

    private static final long SECOND = 1_000_000_000L;

    private final String label;
    private final String unit;
    private final boolean enabled;
    private final boolean terminal;
    private final PrintStream err = System.err;
    private final long start = System.nanoTime();
    private long next = start + SECOND;
    private long every = 1;          // calls between looks at the clock
    private long sinceLook;
    private long lastLook = start;
    private String lastLine;

    private Progress(String label, String unit, boolean enabled, boolean terminal) {
        this.label = label;
        this.unit = unit;
        this.enabled = enabled;
        this.terminal = terminal;
    }

    /** Progress of {@code label} ({@code "produce"}) counting {@code unit} ({@code "sent"}). */
    static Progress of(String label, String unit, boolean asked) {
        Console console = System.console();
        boolean terminal = console != null && console.isTerminal();
        return new Progress(label, unit, asked || terminal, terminal && !asked);
    }

    /** Called with the count so far; prints when a second has passed since the last line. */
    void update(long count) {
        if (!enabled || ++sinceLook < every) {
            return;
        }
        look(count, "");
    }

    /** Called while the run waits (e.g. for space in a full ring): the line goes on, saying so. */
    void waiting(long count, String what) {
        if (enabled) {
            look(count, " (" + what + ")");
        }
    }

    private void look(long count, String note) {
        long now = System.nanoTime();
        long elapsed = now - lastLook;
        // aim for a look every ~100 ms at the rate seen: double while looks come too fast to measure
        every = elapsed < 10_000_000L ? Math.min(1 << 20, every * 2)
                : Math.max(1, Math.min(1 << 20, sinceLook * 100_000_000L / elapsed));
        sinceLook = 0;
        lastLook = now;
        if (now - next < 0) {
            return;
        }
        next = now + SECOND;
        double seconds = (now - start) / 1e9;
        String line = String.format(Locale.ROOT, "%s: progress %s=%d seconds=%.0f msgs_per_s=%.0f%s", label, unit, count,
                seconds, seconds > 0 ? count / seconds : 0.0, note);
        if (terminal) {
            err.print("\r" + line + "\u001b[K");
        } else {
            err.println(line);
        }
        err.flush();
        lastLine = line;
    }

    /**
     * Ends the line kept up to date on a terminal, before anything else is printed. It is drawn once
     * more first: that wipes what the terminal echoed after it (the "^C" of a Ctrl-C), as it wipes
     * an echo on an empty line when no progress was drawn yet.
     */
    void finish() {
        if (terminal) {
            err.print(lastLine != null ? "\r" + lastLine + "\u001b[K\n" : "\r\u001b[K");
            err.flush();
            lastLine = null;
        }
    }
}
