// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.util.Locale;

/**
 * What a receiver of a fan-out run counts of the stream it gets: messages in order (a sequence number
 * that goes back, or a damaged message, is an error), the gaps a lossy receiver was lapped over, and
 * the clock from the first message past the warm-up to the last message of the stream, which ends
 * the run.
 */
final class StreamCount {

    private final long warmup;
    private final long total;
    private long next;
    long received;
    private long measured;
    long gaps;
    long errors;
    private long startNanos;
    private long endNanos;

    StreamCount(long warmup, long total) {
        this.warmup = warmup;
        this.total = total;
    }

    /** One message: its sequence number, and whether its length and bytes are those of that number. */
    void accept(long seq, boolean intact) {
        if (!intact || seq < next) {
            errors++;
            return;
        }
        gaps += seq - next;
        next = seq + 1;
        received++;
        if (seq >= warmup && measured++ == 0) {
            startNanos = System.nanoTime();
        }
        if (seq == total - 1) {
            endNanos = System.nanoTime();
        }
    }

    /** Whether the last message of the stream has arrived. */
    boolean complete() {
        return endNanos != 0;
    }

    /** The side's result line; a lossless side (not {@code lossy}) counts any gap as an error. */
    String resultLine(boolean lossy) {
        double seconds = (endNanos - startNanos) / 1e9;
        return String.format(Locale.ROOT, "result msgs=%d%s seconds=%.6f msgs_per_s=%.0f errors=%d", received,
                lossy ? " lost=" + gaps : "", seconds, measured / seconds, errors + (lossy ? 0 : gaps));
    }

    /** The exit status: errors (and, lossless, gaps) fail the run. */
    int exitStatus(boolean lossy) {
        return errors + (lossy ? 0 : gaps) == 0 ? SideArgs.EXIT_OK : SideArgs.EXIT_ERRORS;
    }
}
