// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A side's {@code result key=value key=value ...} line.
 *
 * @param line   the whole line
 * @param values the pairs, in order
 */
record BenchResultLine(String line, Map<String, String> values) {

    /** A value that is missing or not a number. */
    static final class BadResult extends Exception {
        private static final long serialVersionUID = 1L;

        BadResult(String message) {
            super(message);
        }
    }

    static BenchResultLine parse(String line) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String token : line.strip().split("\\s+")) {
            int eq = token.indexOf('=');
            if (eq > 0) {
                values.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
        return new BenchResultLine(line, values);
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    /** The value of {@code key} as a finite number. */
    double number(String key) throws BadResult {
        String value = values.get(key);
        if (value == null) {
            throw new BadResult("the result line has no " + key + "=: " + line);
        }
        try {
            double number = Double.parseDouble(value);
            if (!Double.isFinite(number)) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw new BadResult("the result line's " + key + "=" + value + " is not a number: " + line);
        }
    }
}
