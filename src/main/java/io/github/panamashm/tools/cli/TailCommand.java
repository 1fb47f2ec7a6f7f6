// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.MessageHandler;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingObserver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tail}: prints a ring's messages as they pass, decoded by the ring's message type (hex if it
 * has none). By default it watches without taking anything and without attaching ({@link
 * RingObserver}): it sees the messages still in their slots when it looks, and says how many it
 * missed. {@code --take} makes it a consumer, which sees every message it takes, and takes them from
 * the ring's other consumers.
 */
@Command(name = "tail", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Print a ring's messages as they pass, field by field.", "Print the messages passing through a ring,"
                + " decoded field by field by the ring's message type (hex if it has none), until Ctrl-C, --count or the"
                + " end of the stream. It watches without taking messages or attaching, so producers and consumers"
                + " are not affected; it sees those still in their slots when it looks, and counts the ones consumers"
                + " took first. --take consumes instead: every message is seen, and taken from other consumers."})
final class TailCommand implements Callable<Integer> {

    private static final int BATCH = 64;

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The ring: /NAME.")
    private String name;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N messages.")
    private String count;

    @Option(names = "--json", description = "One JSON object per message: position (when watching), length, and the"
            + " fields by name (a typed ring) or hex (the first 64 bytes).")
    private boolean json;

    @Option(names = "--take", description = "Consume the messages (attach as a consumer) instead of watching.")
    private boolean take;

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "Stop after MS milliseconds without a message.")
    private String timeoutMs;

    @Override
    public Integer call() throws InterruptedException {
        Flags flags = new Flags(spec);
        String ring = flags.ring(name);
        long most = count == null ? Long.MAX_VALUE : flags.u64("--count", count);
        long idleNanos = timeoutMs == null ? Long.MAX_VALUE : Duration.ofMillis(flags.millis("--timeout-ms", timeoutMs)).toNanos();
        PrintWriter out = spec.commandLine().getOut();
        Main.StopSignal stop = Main.StopSignal.onShutdown();
        try (Ring open = Ring.open(ring)) {
            MessageText text = new MessageText(open.messageType().orElse(null));
            long[] shown = {0};
            RingObserver observer = take ? null : open.observer();
            MessageHandler print = (buffer, at, length) -> {
                if (shown[0] >= most) {
                    return;
                }
                shown[0]++;
                if (json) {
                    Map<String, Object> line = new LinkedHashMap<>();
                    if (observer != null) {
                        line.put("position", observer.position() - 1);
                    }
                    line.put("length", length);
                    line.put(open.messageType().isPresent() ? "fields" : "bytes", text.values(buffer, at, length));
                    out.println(Json.write(line));
                } else {
                    out.println((observer != null ? "#" + (observer.position() - 1) + " " : "") + text.line(buffer, at, length));
                }
                out.flush();
            };
            long lastMessage = System.nanoTime();
            boolean ended = false;
            if (take) {
                try (Consumer consumer = open.consumer()) {
                    while (shown[0] < most && !stop.requested() && System.nanoTime() - lastMessage < idleNanos) {
                        int n = consumer.poll(print, (int) Math.min(BATCH, most - shown[0]), Duration.ofMillis(100));
                        if (n == Consumer.END_OF_STREAM) {
                            ended = true;
                            break;
                        }
                        if (n > 0) {
                            lastMessage = System.nanoTime();
                        }
                    }
                }
            } else {
                while (shown[0] < most && !stop.requested() && System.nanoTime() - lastMessage < idleNanos) {
                    int n = observer.poll(print, BATCH);
                    if (n == RingObserver.END_OF_STREAM) {
                        ended = true;
                        break;
                    }
                    if (n > 0) {
                        lastMessage = System.nanoTime();
                    } else {
                        Thread.sleep(1);
                    }
                }
            }
            String summary = "tail: " + RingTools.counted(shown[0], "message") + (observer != null ? ", "
                    + observer.missed() + " missed (taken by consumers before tail saw them)" : "")
                    + (ended ? "; end of stream" : "");
            spec.commandLine().getErr().println(summary);
            return Main.EXIT_DONE;
        } finally {
            stop.finished();
        }
    }
}
