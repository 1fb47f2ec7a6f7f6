// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.PosixException;
import io.github.panamashm.SharedMemory;
import io.github.panamashm.ring.FanOutMode;
import io.github.panamashm.ring.NoSuchRingException;
import io.github.panamashm.ring.MessageType;
import io.github.panamashm.ring.PeerInfo;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingFormatException;
import io.github.panamashm.ring.RingSnapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code inspect}, {@code ls}, {@code rm} and {@code gc}: looking into rings and cleaning up after dead processes. */
final class RingTools {

    private static final Path SHM = Path.of("/dev/shm");

    private RingTools() {
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {"Show what is inside a ring, without attaching to it.", "Show a ring's geometry, state, cursors, depth, counters and every "
            + "peer: role, pid, language, alive or dead (by its lock), messages, what it sleeps on. Reads the ring "
            + "without attaching to it."})
    static final class Inspect implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "The ring: /NAME.")
        private String name;

        @Option(names = "--json", description = "Print one JSON object instead of text.")
        private boolean json;

        @Override
        public Integer call() {
            RingSnapshot ring = Ring.inspect(new Flags(spec).ring(name));
            spec.commandLine().getOut().println(json ? Json.write(toMap(ring)) : describe(ring));
            return Main.EXIT_DONE;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = {"Show what inspect shows, refreshed about once a second, with rates, until Ctrl-C.",
                    "On a terminal the view is redrawn in place; elsewhere each refresh is printed after the last."})
    static final class Watch implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "The ring: /NAME.")
        private String name;

        @Option(names = "--interval-ms", paramLabel = "MS", defaultValue = "1000",
                description = "Time between refreshes (default: ${DEFAULT-VALUE}).")
        private String intervalMs;

        @Option(names = "--count", paramLabel = "N", description = "Stop after this many refreshes (default: until "
                + "Ctrl-C).")
        private String count;

        @Override
        public Integer call() throws InterruptedException {
            Flags flags = new Flags(spec);
            flags.ring(name);
            long interval = Math.max(50, flags.millis("--interval-ms", intervalMs));
            long refreshes = count == null ? Long.MAX_VALUE : flags.u64("--count", count);
            java.io.Console console = System.console();
            boolean terminal = console != null && console.isTerminal();
            PrintWriter out = spec.commandLine().getOut();
            Main.StopSignal stop = Main.StopSignal.onShutdown();
            try {
                RingSnapshot previous = null;
                long previousAt = 0;
                for (long n = 0; n < refreshes && !stop.requested(); n++) {
                    RingSnapshot ring = Ring.inspect(name);
                    long now = System.nanoTime();
                    String rates = previous == null ? "  rates: (after the next refresh)"
                            : String.format(Locale.ROOT, "  rates: produced %.0f msgs/s, consumed %.0f msgs/s",
                                    (ring.tail() - previous.tail()) * 1e9 / (now - previousAt),
                                    (ring.consumedTo() - previous.consumedTo()) * 1e9 / (now - previousAt));
                    String view = describe(ring) + System.lineSeparator() + rates;
                    out.print(terminal ? "\u001b[H\u001b[2J" + view + System.lineSeparator()
                            : view + System.lineSeparator() + System.lineSeparator());
                    out.flush();
                    previous = ring;
                    previousAt = now;
                    for (long slept = 0; slept < interval && !stop.requested() && n + 1 < refreshes; slept += 50) {
                        Thread.sleep(Math.min(50, interval - slept));
                    }
                }
                return Main.EXIT_DONE;
            } finally {
                stop.finished();
            }
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {"List the rings in /dev/shm.", "List every ring in /dev/shm, recognised by its header, with its state, "
            + "depth and live peers. Other objects are neither listed nor opened beyond their first bytes."})
    static final class Ls implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = "--json", description = "Print one JSON array of objects instead of a table.")
        private boolean json;

        @Override
        public Integer call() {
            return list(json, spec.commandLine().getOut());
        }
    }

    private static int list(boolean json, PrintWriter out) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String name : Ring.list()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", name);
            try {
                RingSnapshot ring = Ring.inspect(name);
                row.put("state", ring.state().name().toLowerCase(Locale.ROOT));
                row.put("slots", ring.slotCount());
                row.put("maxMessageSize", ring.maxMessageSize());
                row.put("depth", ring.depth());
                row.put("livePeers", ring.livePeers().size());
                row.put("peers", ring.peers().size());
                row.put("abandoned", ring.isAbandoned());
            } catch (NoSuchRingException gone) {
                continue; // removed since the listing
            } catch (RingFormatException unreadable) {
                row.put("state", "unreadable");
                row.put("problem", unreadable.getMessage());
            }
            rows.add(row);
        }
        if (json) {
            out.println(Json.write(rows));
            return Main.EXIT_DONE;
        }
        out.printf("%-32s %-10s %10s %10s %8s%n", "NAME", "STATE", "SLOTS", "DEPTH", "PEERS");
        for (Map<String, Object> row : rows) {
            if (row.containsKey("problem")) {
                out.printf("%-32s %-10s %s%n", printable((String) row.get("name")), row.get("state"),
                        printable((String) row.get("problem")));
            } else {
                out.printf("%-32s %-10s %10d %10d %8s%s%n", printable((String) row.get("name")), row.get("state"),
                        row.get("slots"),
                        row.get("depth"), row.get("livePeers") + "/" + row.get("peers"),
                        Boolean.TRUE.equals(row.get("abandoned")) ? "  abandoned (gc removes it)" : "");
            }
        }
        return Main.EXIT_DONE;
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {"Remove rings (never other objects).", "Remove rings: the shared-memory object and its two doorbell semaphores, "
            + "or the doorbells alone when their ring is gone. Refuses an object that is not a ring, and a ring with "
            + "live peers or one that cannot be read unless --force. Exit status 1 if any name was not removed."})
    static final class Rm implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "NAME", arity = "1..*", description = "The rings: /NAME ...")
        private List<String> names;

        @Option(names = "--force", description = "Remove rings with live peers or unreadable headers too (never "
                + "objects that are not rings).")
        private boolean force;

        @Override
        public Integer call() {
            Flags flags = new Flags(spec);
            names.forEach(flags::ring);
            int status = Main.EXIT_DONE;
            for (String name : names) {
                String refusal = removeOne(name, force, spec.commandLine().getOut());
                if (refusal != null) {
                    spec.commandLine().getErr().println("panama-shm rm: " + refusal);
                    status = Main.EXIT_INCOMPLETE;
                }
            }
            return status;
        }
    }

    /** Removes {@code name}; returns why not, or null when it was removed. */
    private static String removeOne(String name, boolean force, PrintWriter out) {
        List<String> bells = Ring.doorbellNames(name);
        Path object = SHM.resolve(name.substring(1));
        if (!Files.exists(object, LinkOption.NOFOLLOW_LINKS)) {
            if (bells.stream().noneMatch(bell -> isOwnSemaphoreFile(NamedSemaphore.file(bell)))) {
                return "no ring named " + printable(name);
            }
            if (!removeDoorbellsWithoutRing(name)) {
                return "a ring " + printable(name) + " is being created: left alone";
            }
            out.println("removed the doorbells of " + printable(name) + " (its ring was gone)");
            return null;
        }
        if (!Ring.list().contains(name)) {
            return printable(name) + " is not a panama-shm ring (no ring header): left alone";
        }
        try {
            RingSnapshot ring = Ring.inspect(name);
            List<PeerInfo> live = ring.livePeers();
            if (!live.isEmpty() && !force) {
                return "ring " + printable(name) + " has live peers (pid " + live.stream().map(p -> String.valueOf(p.pid()))
                        .distinct().collect(Collectors.joining(", ")) + "): not removed (--force removes it anyway)";
            }
        } catch (RingFormatException unreadable) {
            if (!force) {
                return "ring " + printable(name) + " cannot be read (" + unreadable.getMessage() + "): not removed (--force"
                        + " removes it anyway)";
            }
        }
        Ring.unlink(name);
        out.println("removed " + printable(name));
        return null;
    }

    @Command(name = "gc", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {"Remove what dead processes left behind.", "Remove what dead processes left: rings with no live peer whose peers died "
            + "attached (or closed for writing), half-made rings whose creator died, and doorbell pairs left without "
            + "their ring. A ring whose peers all detached cleanly keeps its messages for a later peer and stays; "
            + "objects that are not rings are never touched."})
    static final class Gc implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = "--dry-run", description = "Only say what would be removed.")
        private boolean dryRun;

        @Option(names = "--prefix", paramLabel = "/P", defaultValue = "/",
                description = "Only rings whose names start with /P (default: all).")
        private String prefix;

        @Override
        public Integer call() {
            if (!prefix.startsWith("/")) {
                throw new Flags(spec).bad("--prefix takes the start of ring names, e.g. /orders");
            }
            return collectGarbage(dryRun, prefix, spec.commandLine().getOut());
        }
    }

    private static int collectGarbage(boolean dryRun, String prefix, PrintWriter out) {
        String verb = dryRun ? "would remove " : "removed ";
        int removed = 0;
        for (String name : Ring.list()) {
            if (!name.startsWith(prefix) || !isOwn(SHM.resolve(name.substring(1)))) {
                continue; // another user's ring is theirs to clean up
            }
            try {
                long depth = depthOf(name);
                if (Ring.removeIfAbandoned(name, dryRun)) {
                    out.println(verb + printable(name) + (depth > 0 ? " (holding " + depth + " messages for peers that"
                            + " died)" : ""));
                    removed++;
                }
            } catch (RuntimeException e) {
                out.println("gc: " + printable(name) + " left alone: " + printable(String.valueOf(e.getMessage())));
            }
        }
        for (String name : orphanedDoorbellPairs()) {
            if (!name.startsWith(prefix) || (!dryRun && !removeDoorbellsWithoutRing(name))) {
                continue;
            }
            out.println(verb + "the doorbells of " + printable(name) + " (its ring is gone)");
            removed++;
        }
        out.println((dryRun ? "gc: would remove " : "gc: removed ") + removed + (removed == 1 ? " object" : " objects"));
        return Main.EXIT_DONE;
    }

    /**
     * Removes the doorbells of a ring that is gone while holding its name with an empty placeholder
     * object, so that a creator cannot make the ring again in between and lose its new doorbells
     * (PROTOCOL §5.7: the object is created first and removed last). False if the name is taken.
     */
    private static boolean removeDoorbellsWithoutRing(String name) {
        try {
            SharedMemory.create(name, 1).close();
        } catch (PosixException taken) {
            return false;
        }
        try {
            for (String bell : Ring.doorbellNames(name)) {
                if (isOwnSemaphoreFile(NamedSemaphore.file(bell))) {
                    NamedSemaphore.unlinkIfExists(bell);
                }
            }
            return true;
        } finally {
            SharedMemory.unlinkIfExists(name);
        }
    }

    /**
     * Rings whose two doorbells are both there, regular semaphore-sized files of this user, without
     * the ring: what a ring removed by hand (or a creator that died after its doorbells) leaves.
     * A lone {@code .data} or {@code .space} semaphore may be anyone's and is left alone.
     */
    private static List<String> orphanedDoorbellPairs() {
        Set<String> data = new TreeSet<>();
        Set<String> space = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(SHM, "sem.*")) {
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                if (!isOwnSemaphoreFile(entry)) {
                    continue;
                }
                if (file.endsWith(".data")) {
                    data.add("/" + file.substring(4, file.length() - 5));
                } else if (file.endsWith(".space")) {
                    space.add("/" + file.substring(4, file.length() - 6));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + SHM, e);
        }
        data.retainAll(space);
        return data.stream().filter(name -> !Files.exists(SHM.resolve(name.substring(1)), LinkOption.NOFOLLOW_LINKS))
                .filter(name -> name.length() > 1 && name.indexOf('/', 1) < 0).toList();
    }

    private static long depthOf(String name) {
        try {
            return Ring.inspect(name).depth();
        } catch (RuntimeException unreadable) {
            return 0;
        }
    }

    private static boolean isOwn(Path file) {
        try {
            return Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS)
                    .equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * {@code text} safe to print on a terminal: names come from file names anyone may choose, so
     * control characters (escape sequences) are shown as {@code \xNN}.
     */
    static String printable(String text) {
        StringBuilder safe = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
                safe.append(String.format("\\x%02x", c));
            } else {
                safe.appendCodePoint(c);
            }
        });
        return safe.toString();
    }

    private static boolean isOwnSemaphoreFile(Path file) {
        try {
            return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Files.size(file) == 32 && isOwn(file);
        } catch (IOException e) {
            return false;
        }
    }

    /** "1 consumer", "2 consumers". */
    static String counted(long count, String thing) {
        return count + " " + thing + (count == 1 ? "" : "s");
    }

    private static String describe(RingSnapshot ring) {
        StringBuilder text = new StringBuilder();
        text.append(String.format("ring %s: layout %d.%d, %s, %d slots of up to %d bytes (%d-byte slots), %s,"
                        + " up to %d peers, %d bytes%n", printable(ring.name()), ring.versionMajor(), ring.versionMinor(),
                ring.state().name().toLowerCase(Locale.ROOT), ring.slotCount(), ring.maxMessageSize(), ring.slotSize(),
                ring.fanOutMode() == FanOutMode.BLOCK ? "fan-out (block: the slowest consumer gates the producer), single producer"
                        : ring.fanOut() ? "fan-out (overwrite: the producer never waits, lapped consumers skip), single producer"
                        : (ring.singleProducer() ? "single" : "multi") + " producer, "
                        + (ring.singleConsumer() ? "single" : "multi") + " consumer", ring.maxPeers(),
                ring.totalSize()));
        text.append(String.format("  created %s by pid %d (%s ago)%n", ring.created(), ring.creatorPid(),
                age(ring.created())));
        if (ring.messageType() != null) {
            MessageType type = ring.messageType();
            text.append(String.format("  message type: %s (%d bytes, aligned to %d, hash 0x%016x):", type.name(),
                    type.byteSize(), type.byteAlignment(), type.hash()));
            for (MessageType.Field field : type.fields()) {
                text.append(String.format(" %s %s @%d%s", field.name(), field.describe(), field.offset(),
                        field == type.fields().getLast() ? "" : ","));
            }
            text.append(String.format("%n"));
        }
        if (ring.fanOut()) {
            text.append(String.format("  cursors: tail=%d slowest consumer=%d depth=%d (each consumer's below)%n",
                    ring.tail(), ring.consumedTo(), ring.depth()));
        } else {
            text.append(String.format("  cursors: tail=%d head=%d%s depth=%d%n", ring.tail(), ring.head(),
                    ring.singleConsumer() ? " released=" + ring.released() : "", ring.depth()));
        }
        text.append(String.format("  sleeping: %s on the data doorbell, %s on the space doorbell%n",
                counted(ring.consumersWaiting(), "consumer"), counted(ring.producersWaiting(), "producer")));
        for (RingSnapshot.Holdup h : ring.holdups()) {
            text.append(String.format("  waiting: %s wait behind position %d, %s by peer #%d (pid %d, %s)%n",
                    h.waiting() == PeerInfo.Role.CONSUMER ? "consumers" : "producers", h.position(),
                    h.waiting() == PeerInfo.Role.CONSUMER ? "claimed and not published"
                            : ring.fanOut() ? "not yet read" : "taken and not released",
                    h.holder(), h.pid(), h.alive() ? "alive: slow or stopped?" : "dead: it is being recovered"));
        }
        RingSnapshot.Counters c = ring.counters();
        text.append(String.format("  counters: abandoned_by_producers=%d lost_in_consumers=%d data_posts=%d space_posts=%d"
                        + " peers_reclaimed=%d corrupt_slots=%d%s%n", c.abandonedByProducers(), c.lostInConsumers(),
                c.dataPosts(), c.spacePosts(), c.peersReclaimed(), c.corruptSlots(),
                ring.fanOut() ? " fanout_dropped=" + c.fanOutDropped() + " fanout_overwritten=" + c.fanOutOverwritten() : ""));
        text.append(String.format("  peers: %d (%d alive)%s", ring.peers().size(), ring.livePeers().size(),
                ring.isAbandoned() ? "; abandoned: gc removes it" : ""));
        for (PeerInfo peer : ring.peers()) {
            text.append(String.format("%n    #%-3d %-8s pid %-8d %-4s %-5s messages=%d%s sleeping on %s, attached %s%s",
                    peer.index(), peer.role().name().toLowerCase(Locale.ROOT), peer.pid(),
                    peer.language().name().toLowerCase(Locale.ROOT), peer.alive() ? "alive" : "dead", peer.messages(),
                    ring.fanOut() && peer.isConsumer() ? " cursor=" + peer.position() + " lag=" + ring.lag(peer) : "",
                    peer.waitingOn() == PeerInfo.Bell.NONE ? "nothing" : peer.waitingOn().name().toLowerCase(Locale.ROOT)
                            + " doorbell", peer.attached(),
                    peer.inAnotherPidNamespace() ? " (pid " + peer.pid() + " in another PID namespace: a container?)" : ""));
        }
        return text.toString();
    }

    private static String age(Instant since) {
        Duration age = Duration.between(since, Instant.now());
        if (age.isNegative()) {
            return "0 s";
        }
        long seconds = age.toSeconds();
        return seconds < 120 ? seconds + " s" : seconds < 7200 ? seconds / 60 + " min" : seconds / 3600 + " h";
    }

    /** A message type as JSON: name, size, alignment, hash and each field's name, offset, size and type. */
    static Map<String, Object> typeMap(MessageType type) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("name", type.name());
        map.put("size", type.byteSize());
        map.put("alignment", type.byteAlignment());
        map.put("hash", String.format("0x%016x", type.hash()));
        List<Map<String, Object>> fields = new ArrayList<>();
        for (MessageType.Field field : type.fields()) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("name", field.name());
            f.put("offset", field.offset());
            f.put("size", field.size());
            f.put("type", field.describe());
            fields.add(f);
        }
        map.put("fields", fields);
        return map;
    }

    static Map<String, Object> toMap(RingSnapshot ring) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("name", ring.name());
        map.put("version", ring.versionMajor() + "." + ring.versionMinor());
        map.put("state", ring.state().name().toLowerCase(Locale.ROOT));
        map.put("slots", ring.slotCount());
        map.put("slotSize", ring.slotSize());
        map.put("maxMessageSize", ring.maxMessageSize());
        map.put("singleProducer", ring.singleProducer());
        map.put("singleConsumer", ring.singleConsumer());
        map.put("fanOut", ring.fanOut());
        if (ring.fanOut()) {
            map.put("fanOutMode", ring.fanOutMode().name().toLowerCase(Locale.ROOT));
        }
        map.put("maxPeers", ring.maxPeers());
        if (ring.messageType() != null) {
            map.put("messageType", typeMap(ring.messageType()));
        }
        map.put("totalSize", ring.totalSize());
        map.put("creatorPid", ring.creatorPid());
        map.put("created", ring.created().toString());
        map.put("tail", ring.tail());
        map.put("head", ring.head());
        map.put("released", ring.released());
        map.put("depth", ring.depth());
        map.put("consumersWaiting", ring.consumersWaiting());
        map.put("producersWaiting", ring.producersWaiting());
        RingSnapshot.Counters c = ring.counters();
        Map<String, Object> counters = new LinkedHashMap<>();
        counters.put("abandonedByProducers", c.abandonedByProducers());
        counters.put("lostInConsumers", c.lostInConsumers());
        counters.put("dataPosts", c.dataPosts());
        counters.put("spacePosts", c.spacePosts());
        counters.put("peersReclaimed", c.peersReclaimed());
        counters.put("corruptSlots", c.corruptSlots());
        counters.put("fanOutDropped", c.fanOutDropped());
        counters.put("fanOutOverwritten", c.fanOutOverwritten());
        map.put("counters", counters);
        List<Map<String, Object>> holdups = new ArrayList<>();
        for (RingSnapshot.Holdup h : ring.holdups()) {
            Map<String, Object> hold = new LinkedHashMap<>();
            hold.put("waiting", h.waiting() == PeerInfo.Role.CONSUMER ? "consumers" : "producers");
            hold.put("position", h.position());
            hold.put("holder", h.holder());
            hold.put("pid", h.pid());
            hold.put("alive", h.alive());
            holdups.add(hold);
        }
        map.put("holdups", holdups);
        List<Map<String, Object>> peers = new ArrayList<>();
        for (PeerInfo peer : ring.peers()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("index", peer.index());
            p.put("role", peer.role().name().toLowerCase(Locale.ROOT));
            p.put("pid", peer.pid());
            p.put("language", peer.language().name().toLowerCase(Locale.ROOT));
            p.put("alive", peer.alive());
            p.put("messages", peer.messages());
            if (ring.fanOut() && peer.isConsumer()) {
                p.put("cursor", peer.position());
                p.put("lag", ring.lag(peer));
            }
            p.put("waitingOn", peer.waitingOn().name().toLowerCase(Locale.ROOT));
            p.put("attached", peer.attached().toString());
            p.put("pidNamespace", peer.pidNamespace());
            p.put("inAnotherPidNamespace", peer.inAnotherPidNamespace());
            peers.add(p);
        }
        map.put("peers", peers);
        map.put("abandoned", ring.isAbandoned());
        return map;
    }
}
