// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.traffic;

/** Message sizes: one size ("64") or a range ("16-256") that the pattern picks from deterministically. */
public record SizeRange(int min, int max) {

    public SizeRange {
        if (min < 0 || max < min) {
            throw new IllegalArgumentException("bad size range " + min + "-" + max);
        }
    }

    /** Parses "N" or "MIN-MAX". */
    public static SizeRange parse(String text) {
        try {
            int dash = text.indexOf('-');
            if (dash < 0) {
                int size = Integer.parseInt(text);
                return new SizeRange(size, size);
            }
            return new SizeRange(Integer.parseInt(text.substring(0, dash)), Integer.parseInt(text.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--size takes BYTES or MIN-MAX, not \"" + text + "\"");
        }
    }

    public int lengthOf(int producerId, long sequence) {
        return TrafficPattern.length(producerId, sequence, min, max);
    }

    @Override
    public String toString() {
        return min == max ? Integer.toString(min) : min + "-" + max;
    }
}
