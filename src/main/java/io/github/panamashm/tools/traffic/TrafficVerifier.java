// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.traffic;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Locale;

/**
 * Counts what a consumer received against the {@link TrafficPattern}: received, lost, duplicated,
 * out of order and corrupt messages, and the checksum of the intact ones. With {@code shared},
 * other consumers take part of each producer's stream, so gaps are not losses (a harness that sees
 * every consumer's totals and checksums decides); order within one producer is still checked.
 *
 * <p>Memory is bounded whatever arrives: duplicates are told apart within a window of the last
 * {@value #WINDOW} sequences of each producer (a sequence older than that counts as out of order),
 * and up to {@value #MAX_PRODUCERS} producer ids are tracked (messages of more ids count as corrupt).
 */
public final class TrafficVerifier {

    /** Sequences per producer within which duplicates are recognised. */
    public static final int WINDOW = 1 << 20;
    /** Producer ids tracked. */
    public static final int MAX_PRODUCERS = 256;

    private final boolean shared;
    private final long expectedCount;
    private final SizeRange sizes;
    private Track[] tracks = new Track[4];
    private int trackCount;
    private Track lastTrack;
    private long received;
    private long duplicated;
    private long outOfOrder;
    private long corrupt;
    private long checksum;
    private long uniqueGood;
    private long firstNanos;
    private long lastNanos;

    /**
     * @param shared        other consumers share the ring
     * @param expectedCount messages this consumer should get, or -1 if unknown
     * @param sizes         the sizes the producers send: a message whose length is not the one the
     *                      pattern gives its producer and sequence is corrupt; null not to check
     */
    public TrafficVerifier(boolean shared, long expectedCount, SizeRange sizes) {
        this.shared = shared;
        this.expectedCount = expectedCount;
        this.sizes = sizes;
    }

    /** Records one received message; {@code verify} false only counts it. */
    public void accept(MemorySegment message, boolean verify) {
        long now = System.nanoTime();
        if (received++ == 0) {
            firstNanos = now;
        }
        lastNanos = now;
        if (!verify) {
            return;
        }
        if (!TrafficPattern.isIntact(message) || TrafficPattern.sequence(message) < 0 || (sizes != null
                && message.byteSize() != sizes.lengthOf(TrafficPattern.producerId(message), TrafficPattern.sequence(message)))) {
            corrupt++;
            return;
        }
        int id = TrafficPattern.producerId(message);
        long seq = TrafficPattern.sequence(message);
        Track track = track(id);
        if (track == null) {
            corrupt++; // more producer ids than a verifier tracks
            return;
        }
        if (seq < track.base) {
            outOfOrder++; // too old to tell whether it is a duplicate
            return;
        }
        if (track.seen(seq)) {
            duplicated++;
            return;
        }
        track.mark(seq);
        if (seq < track.highest) {
            outOfOrder++;
        } else {
            track.highest = seq;
        }
        uniqueGood++;
        checksum += TrafficPattern.checksum(id, seq);
    }

    /** Counts a message that could not be read at all (its slot was corrupted) as received and corrupt. */
    public void countCorrupt() {
        received++;
        corrupt++;
    }

    private Track track(int id) {
        if (lastTrack != null && lastTrack.id == id) {
            return lastTrack;
        }
        for (int i = 0; i < trackCount; i++) {
            if (tracks[i].id == id) {
                return lastTrack = tracks[i];
            }
        }
        if (trackCount == MAX_PRODUCERS) {
            return null;
        }
        if (trackCount == tracks.length) {
            tracks = Arrays.copyOf(tracks, trackCount * 2);
        }
        return lastTrack = tracks[trackCount++] = new Track(id);
    }

    public long received() {
        return received;
    }

    /** Gaps in each producer's sequence (unless shared), or the shortfall against the expected count. */
    public long lost() {
        long holes = 0;
        if (!shared) {
            for (int i = 0; i < trackCount; i++) {
                holes += Math.max(0, tracks[i].highest + 1 - tracks[i].unique);
            }
        }
        long counted = (uniqueGood + corrupt == 0) ? received : uniqueGood; // not verifying: count everything
        return expectedCount < 0 ? holes : Math.max(holes, expectedCount - counted);
    }

    public long duplicated() {
        return duplicated;
    }

    public long outOfOrder() {
        return outOfOrder;
    }

    public long corrupt() {
        return corrupt;
    }

    public long checksum() {
        return checksum;
    }

    public double seconds() {
        return received == 0 ? 0 : (lastNanos - firstNanos) / 1e9;
    }

    public boolean isClean() {
        return lost() == 0 && duplicated == 0 && outOfOrder == 0 && corrupt == 0;
    }

    /** The summary line the C consumer prints too. */
    public String summary() {
        double seconds = seconds();
        return String.format(Locale.ROOT,
                "received=%d lost=%d duplicated=%d out_of_order=%d corrupt=%d seconds=%.3f msgs_per_s=%.0f checksum=%016x",
                received, lost(), duplicated, outOfOrder, corrupt, seconds, seconds > 0 ? received / seconds : 0.0,
                checksum);
    }

    /**
     * One producer's sequences seen: a bitmap of sequences from {@code base}, which grows up to
     * {@link #WINDOW} bits and then slides forward, forgetting the oldest half.
     */
    private static final class Track {
        private static final int MAX_WORDS = WINDOW / 64;
        final int id;
        long base; // a multiple of 64; sequences below it are forgotten
        long[] bits = new long[16];
        long highest = -1;
        long unique;

        Track(int id) {
            this.id = id;
        }

        boolean seen(long seq) {
            long word = (seq - base) >>> 6;
            return word < bits.length && (bits[(int) word] & (1L << seq)) != 0;
        }

        /** Records {@code seq >= base}. */
        void mark(long seq) {
            long word = (seq - base) >>> 6;
            if (word >= bits.length) {
                if (word < MAX_WORDS) {
                    bits = Arrays.copyOf(bits, (int) Math.min(MAX_WORDS, Math.max(word + 1, 2L * bits.length)));
                } else {
                    slide(seq);
                    word = (seq - base) >>> 6;
                }
            }
            bits[(int) word] |= 1L << seq;
            unique++;
        }

        /** Moves the window so that {@code seq} lands in its upper half. */
        private void slide(long seq) {
            long newBase = ((seq >>> 6) - MAX_WORDS / 2 + 1) << 6;
            long shift = (newBase - base) >>> 6;
            long[] moved = new long[MAX_WORDS];
            if (shift < bits.length) {
                System.arraycopy(bits, (int) shift, moved, 0, bits.length - (int) shift);
            }
            bits = moved;
            base = newBase;
        }
    }
}
