// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

import io.github.panamashm.ring.Ring;
import io.github.panamashm.tools.conformance.Program.ConsumerSummary;
import io.github.panamashm.tools.conformance.Program.ProducerSummary;
import io.github.panamashm.tools.traffic.TrafficPattern;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static io.github.panamashm.tools.conformance.Failure.check;

/** What every scenario checks of the programs it ran and of the ring they leave. */
final class Checks {

    private Checks() {
    }

    /** The sum of the pattern's checksums of {@code id}'s messages 0 … n−1 (docs/PROTOCOL.md §12). */
    static long expectedChecksum(int id, long n) {
        long sum = 0;
        for (long seq = 0; seq < n; seq++) {
            sum += TrafficPattern.checksum(id, seq);
        }
        return sum;
    }
    /** A peer's entry counts what its summary says it sent or received (§3.4 {@code messages}). */
    static void checkEntryCount(Stage stage, int entry, long summarised) {
        long counted = stage.entry(entry).messages();
        check(counted == summarised, String.format(Locale.ROOT, "the peer's summary says %,d messages, its peer-table entry "
                + "(§3.4 messages) %,d", summarised, counted));
    }

    /** Each producer exited 0 having sent {@code count}; returns the sum of their checksums. */
    static long checkProducers(List<Program> producers, long count) {
        long checksum = 0;
        for (Program producer : producers) {
            ProducerSummary summary = producer.producerSummary();
            check(summary.sent() == count, String.format(Locale.ROOT, "the %s sent %,d of %,d messages%s",
                    producer.label(), summary.sent(), count, producer.tail()));
            Stage.expectStatus(producer, 0);
            checksum += summary.checksum();
        }
        return checksum;
    }

    /** Nothing left between head and tail, nothing found damaged. */
    static void checkDrained(Ring ring) {
        check(ring.depth() == 0, "the ring still holds " + ring.depth() + " messages after the consumers ended");
        check(ring.corruptSlots() == 0, "the ring counted " + ring.corruptSlots() + " damaged slots");
    }

    /** Fails unless every consumer exited 0, clean; returns their summaries. */
    static List<ConsumerSummary> cleanConsumers(List<Program> consumers) {
        List<ConsumerSummary> summaries = new ArrayList<>();
        for (Program consumer : consumers) {
            ConsumerSummary summary = consumer.consumerSummary();
            check(summary.clean(), "the " + consumer.label() + " reports " + summary + consumer.tail());
            Stage.expectStatus(consumer, 0);
            summaries.add(summary);
        }
        return summaries;
    }
}
