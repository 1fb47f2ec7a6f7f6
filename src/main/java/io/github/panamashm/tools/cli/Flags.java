// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.tools.traffic.SizeRange;
import io.github.panamashm.ring.Ring;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Flag values read as the C programs read them (shm_cli.h), so that both refuse the same command
 * lines with the same words: unsigned decimal numbers (octal for --mode), sizes, ring names. A
 * refusal is a {@link CommandLine.ParameterException}: one line and exit status 2.
 */
final class Flags {

    private final CommandSpec spec;

    Flags(CommandSpec spec) {
        this.spec = spec;
    }

    CommandLine.ParameterException bad(String problem) {
        return new CommandLine.ParameterException(spec.commandLine(), problem);
    }

    private CommandLine.ParameterException badValue(String flag, String value) {
        return bad("bad value for " + flag + ": '" + value + "'");
    }

    /** An unsigned 64-bit decimal number, as C's strtoull with nothing left over and no sign. */
    long u64(String flag, String value) {
        if (!digits(value, 10)) {
            throw badValue(flag, value);
        }
        try {
            long number = Long.parseUnsignedLong(value);
            return number < 0 ? Long.MAX_VALUE : number; // above 2^63: as good as for ever
        } catch (NumberFormatException e) {
            throw badValue(flag, value);
        }
    }

    /** An unsigned 32-bit number in {@code radix}, returned as a long so that it stays unsigned. */
    long u32(String flag, String value, int radix) {
        if (!digits(value, radix)) {
            throw badValue(flag, value);
        }
        try {
            long number = Long.parseLong(value, radix);
            if (number > 0xFFFF_FFFFL) {
                throw badValue(flag, value);
            }
            return number;
        } catch (NumberFormatException e) {
            throw badValue(flag, value);
        }
    }

    /** Only ASCII digits of {@code radix} (8 or 10), as C's parser takes: no sign, space or other script's digits. */
    private static boolean digits(String value, int radix) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c >= '0' + radix) {
                return false;
            }
        }
        return true;
    }

    /** Milliseconds, bounded as C bounds them. */
    long millis(String flag, String value) {
        long ms = u64(flag, value);
        if (ms > Long.MAX_VALUE / 2_000_000) {
            throw bad("too many milliseconds: '" + value + "'");
        }
        return ms;
    }

    SizeRange size(String value) {
        int dash = value.indexOf('-');
        String low = dash < 0 ? value : value.substring(0, dash);
        String high = dash < 0 ? value : value.substring(dash + 1);
        if (!digits(low, 10) || !digits(high, 10)) {
            throw badValue("--size", value);
        }
        try {
            return SizeRange.parse(value);
        } catch (IllegalArgumentException e) {
            throw badValue("--size", value);
        }
    }

    /** A valid ring name, checked before anything is opened or created. */
    String ring(String name) {
        try {
            Ring.doorbellNames(name);
            return name;
        } catch (IllegalArgumentException e) {
            throw bad("a ring name is /NAME: up to 245 characters, no other '/': '" + name + "'");
        }
    }
}
