// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an external peer ended: its exit status and everything it printed.
 *
 * @param exitCode its exit status
 * @param output   its standard output and error, merged
 */
public record PeerResult(int exitCode, String output) {

    /**
     * Fails unless it exited with status 0, with its output in the message.
     *
     * @return this result
     * @throws AssertionError if the exit status is not 0
     */
    public PeerResult requireSuccess() {
        if (exitCode != 0) {
            throw new AssertionError("exit status " + exitCode + "; output:\n" + output);
        }
        return this;
    }

    /**
     * The {@code key=value} words of the last line of its output that has any, as the project's
     * programs print their summary ({@code received=1000 lost=0 ...}); their progress lines
     * ({@code ...: progress received=...}) and option lines ({@code --flag=value}) are not summaries.
     *
     * @return the summary's values by key, in the order printed; empty if no line has any
     */
    public Map<String, String> summary() {
        List<String> lines = output.lines().toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).contains(": progress ")) {
                continue;
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (String word : lines.get(i).trim().split("\\s+")) {
                int equals = word.indexOf('=');
                if (equals > 0 && !word.startsWith("-")) {
                    values.put(word.substring(0, equals), word.substring(equals + 1));
                }
            }
            if (!values.isEmpty()) {
                return values;
            }
        }
        return Map.of();
    }

    /**
     * One value of the {@link #summary()} as a number.
     *
     * @param key the summary's key, e.g. {@code "received"}
     * @return its value
     * @throws AssertionError if the summary has no such key or its value is not a number
     */
    public long summaryValue(String key) {
        String value = summary().get(key);
        if (value == null) {
            throw new AssertionError("no " + key + "= in the summary of:\n" + output);
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new AssertionError(key + "=" + value + " is not a number, in:\n" + output, e);
        }
    }
}
