// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Command-line flags: {@code --name value} for the valued ones, {@code --name} for switches. */
final class Options {

    private final Map<String, String> values = new HashMap<>();

    private Options() {
    }

    /** Parses {@code args}; every flag must be one of {@code valued} or {@code switches}. */
    static Options parse(List<String> args, Set<String> valued, Set<String> switches) {
        Options options = new Options();
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            if (switches.contains(flag)) {
                options.values.put(flag, "true");
            } else if (valued.contains(flag)) {
                if (i + 1 >= args.size()) {
                    throw new UsageException(flag + " needs a value");
                }
                options.values.put(flag, args.get(++i));
            } else {
                throw new UsageException("unknown option " + flag);
            }
        }
        return options;
    }

    boolean has(String flag) {
        return values.containsKey(flag);
    }

    String string(String flag, String fallback) {
        return values.getOrDefault(flag, fallback);
    }

    String required(String flag) {
        String value = values.get(flag);
        if (value == null) {
            throw new UsageException(flag + " is required");
        }
        return value;
    }

    long number(String flag, long fallback) {
        String value = values.get(flag);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " takes a number, not \"" + value + "\"");
        }
    }

    int octal(String flag, int fallback) {
        String value = values.get(flag);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value, 8);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " takes octal permission bits such as 0600, not \"" + value + "\"");
        }
    }

    /** A wrong command line: printed with the usage, exit status 2. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
