// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

/**
 * How much a run asks of the programs: messages per stream, and the idle timeout (ms, as the
 * {@code --timeout-ms} flag takes it) after which a producer with no space gives up.
 */
record Load(long count, String idle) {
}
