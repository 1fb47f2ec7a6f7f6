// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.tools.traffic.SizeRange;
import io.github.panamashm.tools.traffic.TrafficPattern;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code demo}: creates a ring, starts the C consumer and a Java consumer as separate processes,
 * sends verified traffic from this (Java) process, prints each side's summary and the totals, and
 * removes everything it created, also on Ctrl-C or failure.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Java -> C and Java consumers, 1,000,000 verified messages.", "With --fanout each consumer"
                + " receives all of them; with --typed, examples/typed runs instead.", "Create a ring, start the C consumer and a Java consumer as processes of their own, send "
                + "verified messages from this Java process, print each side's summary and the totals, and remove "
                + "the ring, also on Ctrl-C. Exit status 1 unless every message arrived exactly once, intact."})
final class DemoCommand implements Callable<Integer> {

    private static final Pattern RECEIVED = Pattern.compile("received=(\\d+) lost=(\\d+) duplicated=(\\d+) "
            + "out_of_order=(\\d+) corrupt=(\\d+) .* checksum=([0-9a-f]{16})");
    private static final int PRODUCER_ID = 1;
    private static final long CONSUMER_IDLE_TIMEOUT_MS = 30_000;

    @Spec
    private CommandSpec spec;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1000000",
            description = "How many messages to send (default: ${DEFAULT-VALUE}).")
    private String count;

    @Option(names = "--size", paramLabel = "BYTES|MIN-MAX", defaultValue = "16-256",
            description = "The messages' lengths, at least 16 (default: ${DEFAULT-VALUE}).")
    private String size;

    @Option(names = "--slots", paramLabel = "N", defaultValue = "1024",
            description = "The ring's slot count, a power of two (default: ${DEFAULT-VALUE}).")
    private String slots;

    @Option(names = "--typed", description = "Run examples/typed instead: a Java producer writes struct order into a"
            + " typed ring in place, a C consumer built from order.h reads it in place, every field checked; then a"
            + " consumer built from a changed order.h is refused, the field named. --count applies; --size and"
            + " --slots do not.")
    private boolean typed;

    @Option(names = "--fanout", description = "A fan-out ring instead: the C and the Java consumer each receive every"
            + " message (the slower one gates the producer), each verified on its own.")
    private boolean fanOut;

    @Option(names = "--progress", description = "Print progress to stderr about once a second; on a terminal it is "
            + "shown anyway, on one line kept up to date.")
    private boolean progress;

    @Override
    public Integer call() throws InterruptedException {
        Flags flags = new Flags(spec);
        long total = flags.u64("--count", count);
        if (typed) {
            if (fanOut) {
                throw flags.bad("--typed and --fanout are two demos: run one, then the other");
            }
            return TypedDemo.run(total, spec.commandLine().getOut());
        }
        SizeRange sizes = flags.size(size);
        if (sizes.min() < TrafficPattern.HEADER_SIZE) {
            throw flags.bad("--size must be at least " + TrafficPattern.HEADER_SIZE);
        }
        long slotCount = flags.u32("--slots", slots, 10);
        if (slotCount < 2 || Long.bitCount(slotCount) != 1 || slotCount > 1 << 30) {
            throw flags.bad("--slots must be a power of two from 2 to 2^30");
        }
        Main.StopSignal stop = Main.StopSignal.onShutdown();
        try {
            return run(total, sizes, (int) slotCount, fanOut, stop, spec.commandLine().getOut(),
                    Progress.of("demo", "sent", progress));
        } finally {
            stop.finished();
        }
    }

    private static int run(long count, SizeRange sizes, int slots, boolean fanOut, Main.StopSignal stop, PrintWriter out,
                           Progress progress) throws InterruptedException {
        Path cConsumer = Main.nativeDirectory().resolve("shm-consumer");
        if (!Files.isExecutable(cConsumer)) {
            throw new IllegalStateException("the C consumer " + cConsumer + " is not built; run bin/panama-shm (it builds)"
                    + " or mvn package");
        }
        String name = "/panama-shm-demo-" + ProcessHandle.current().pid();
        List<Process> children = new ArrayList<>();
        RingSpec spec = RingSpec.of(slots, sizes.max());
        try (Ring ring = Ring.create(name, fanOut ? spec.fanOut() : spec)) {
            out.printf("panama-shm demo: %sring %s, %d slots of up to %d bytes, %,d verified messages of %s bytes%n",
                    fanOut ? "fan-out " : "", name, slots, sizes.max(), count, sizes);
            String timeout = Long.toString(CONSUMER_IDLE_TIMEOUT_MS);
            // in a work queue each consumer gets part of the stream; in a fan-out ring each gets all of it
            List<String> consumerFlags = fanOut ? List.of("--ring", name, "--verify", "--timeout-ms", timeout)
                    : List.of("--ring", name, "--verify", "--shared", "--timeout-ms", timeout);
            List<String> c = new ArrayList<>(List.of(cConsumer.toString()));
            c.addAll(consumerFlags);
            CompletableFuture<String> cOutput = start(children, c);
            List<String> javaArgs = new ArrayList<>(List.of("consume"));
            javaArgs.addAll(consumerFlags);
            CompletableFuture<String> javaOutput = start(children, Main.javaCommand(javaArgs.toArray(String[]::new)));
            awaitConsumers(ring, 2, children, stop);

            long checksum = 0;
            long sent = 0;
            long start = System.nanoTime();
            try (Producer producer = ring.producer()) {
                for (long seq = 0; seq < count && !stop.requested(); seq++) {
                    MemorySegment slot = ProduceCommand.claim(producer, sizes.lengthOf(PRODUCER_ID, seq), -1, stop);
                    if (slot == null) {
                        break; // stopped
                    }
                    TrafficPattern.fill(slot, PRODUCER_ID, seq);
                    producer.commit();
                    checksum += TrafficPattern.checksum(PRODUCER_ID, seq);
                    progress.update(++sent);
                }
                progress.finish();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            ring.closeForWriting();
            String cSummary = lastLine(cOutput);
            String javaSummary = lastLine(javaOutput);
            out.println("  Java producer : " + ProduceCommand.summary(sent, seconds, checksum));
            out.println("  C consumer    : " + cSummary);
            out.println("  Java consumer : " + javaSummary);
            boolean clean = report(out, sent, checksum, seconds, cSummary, javaSummary, children, fanOut);
            if (stop.requested()) {
                out.println("  stopped early by a signal: " + sent + " of " + count + " messages sent");
                return Main.EXIT_INCOMPLETE;
            }
            return clean ? Main.EXIT_DONE : Main.EXIT_INCOMPLETE;
        } finally {
            for (Process child : children) {
                child.destroyForcibly();
            }
            Ring.unlink(name);
        }
    }

    /** Waits until both consumers are attached, so that each takes part from the first message. */
    private static void awaitConsumers(Ring ring, int expected, List<Process> children, Main.StopSignal stop)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!stop.requested()
                && ring.peers().stream().filter(peer -> peer.isConsumer() && peer.alive()).count() < expected) {
            for (Process child : children) {
                if (!child.isAlive()) {
                    throw new IllegalStateException("a consumer exited before it attached (exit status "
                            + child.exitValue() + ")");
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the consumers did not attach within 60 s");
            }
            Thread.sleep(10);
        }
    }

    /** setsid(1): a consumer in a session of its own does not get the terminal's Ctrl-C (util-linux). */
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    /**
     * Starts a consumer. On Ctrl-C the demo stops producing and closes the ring, and the consumers
     * drain it and end: so they run in a session of their own, where the terminal's signal does not
     * reach them (they still end on their idle timeout if the demo dies).
     */
    private static CompletableFuture<String> start(List<Process> children, List<String> command) {
        try {
            List<String> detached = new ArrayList<>();
            if (Files.isExecutable(SETSID)) {
                detached.add(SETSID.toString());
            }
            detached.addAll(command);
            Process process = new ProcessBuilder(detached).redirectErrorStream(true).start();
            children.add(process);
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "(output lost: " + e.getMessage() + ")";
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    private static String lastLine(CompletableFuture<String> output) throws InterruptedException {
        try {
            String text = output.get(CONSUMER_IDLE_TIMEOUT_MS + 30_000, TimeUnit.MILLISECONDS).strip();
            return text.substring(text.lastIndexOf('\n') + 1);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return "(no summary: " + e + ")";
        }
    }

    /** A rate with three significant digits in a unit that suits it: "12.3 M", "456 k", "78". */
    static String rate(double perSecond) {
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.3g M", perSecond / 1e6);
        }
        return perSecond >= 1e3 ? String.format(Locale.ROOT, "%.3g k", perSecond / 1e3)
                : String.format(Locale.ROOT, "%.0f", perSecond);
    }

    /**
     * Prints the totals; true if every message arrived exactly once, intact: at one of the consumers,
     * or in a fan-out ring at each of them.
     */
    private static boolean report(PrintWriter out, long sent, long checksum, double seconds, String cSummary,
                                  String javaSummary, List<Process> children, boolean fanOut) throws InterruptedException {
        long received = 0;
        long receivedChecksum = 0;
        long faults = 0;
        boolean eachWhole = true;
        List<Long> perConsumer = new ArrayList<>();
        for (String summary : List.of(cSummary, javaSummary)) {
            Matcher m = RECEIVED.matcher(summary);
            if (!m.find()) {
                out.println("  a consumer printed no summary: " + summary);
                return false;
            }
            perConsumer.add(Long.parseLong(m.group(1)));
            received += Long.parseLong(m.group(1));
            for (int group = 2; group <= 5; group++) {
                faults += Long.parseLong(m.group(group));
            }
            receivedChecksum += Long.parseUnsignedLong(m.group(6), 16);
            eachWhole &= Long.parseLong(m.group(1)) == sent && Long.parseUnsignedLong(m.group(6), 16) == checksum;
        }
        for (Process child : children) {
            if (!child.waitFor(10, TimeUnit.SECONDS) || child.exitValue() != 0) {
                faults++;
            }
        }
        if (fanOut) {
            boolean clean = eachWhole && faults == 0;
            out.printf(Locale.ROOT, "  total         : %,d sent, %,d received by the C consumer and %,d by the Java"
                            + " consumer, %s; %s msgs/s%n", sent, perConsumer.get(0), perConsumer.get(1),
                    clean ? "each consumer every message exactly once and intact"
                            : "MISMATCH: messages lost, duplicated or corrupted", rate(seconds > 0 ? sent / seconds : 0));
            return clean;
        }
        boolean clean = received == sent && receivedChecksum == checksum && faults == 0;
        out.printf(Locale.ROOT, "  total         : %,d sent, %,d received (C %,d + Java %,d), %s; %s msgs/s%n",
                sent, received, perConsumer.get(0), perConsumer.get(1),
                clean ? "each exactly once and intact" : "MISMATCH: messages lost, duplicated or corrupted",
                rate(seconds > 0 ? sent / seconds : 0));
        return clean;
    }
}
