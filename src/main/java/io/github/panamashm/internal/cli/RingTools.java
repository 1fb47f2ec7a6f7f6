// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.cli;

import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.ring.NoSuchRingException;
import io.github.panamashm.ring.PeerInfo;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingFormatException;
import io.github.panamashm.ring.RingSnapshot;

import java.io.IOException;
import java.io.PrintStream;
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
import java.util.stream.Collectors;

/** {@code inspect}, {@code ls}, {@code rm} and {@code gc}: looking into rings and cleaning up after dead processes. */
final class RingTools {

    static final String USAGE = """
            inspect NAME [--json]   a ring's geometry, state, cursors, counters and peers (alive or dead)
              ls [--json]             every ring in /dev/shm with its state, depth and live peers
              rm [--force] NAME...    remove rings (and doorbells left without their ring); refuses objects
                                      that are not rings, and rings with live peers unless --force
              gc [--dry-run] [--prefix /P]
                                      remove rings nothing can use any more: no live peer and peers that
                                      died attached (or closed for writing), half-made rings whose
                                      creator died, and doorbell pairs left without their ring; with
                                      --prefix, only those whose names start with /P""";

    private static final Path SHM = Path.of("/dev/shm");

    private RingTools() {
    }

    static int inspect(List<String> args, PrintStream out) {
        Arguments a = Arguments.of(args, Set.of("--json"));
        if (a.names.size() != 1) {
            throw new Options.UsageException("inspect takes one ring name");
        }
        RingSnapshot ring = Ring.inspect(a.names.getFirst());
        out.println(a.has("--json") ? Json.write(toMap(ring)) : describe(ring));
        return Main.EXIT_DONE;
    }

    static int list(List<String> args, PrintStream out) {
        Arguments a = Arguments.of(args, Set.of("--json"));
        if (!a.names.isEmpty()) {
            throw new Options.UsageException("ls takes no names");
        }
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
        if (a.has("--json")) {
            out.println(Json.write(rows));
            return Main.EXIT_DONE;
        }
        out.printf("%-32s %-10s %10s %10s %8s%n", "NAME", "STATE", "SLOTS", "DEPTH", "PEERS");
        for (Map<String, Object> row : rows) {
            if (row.containsKey("problem")) {
                out.printf("%-32s %-10s %s%n", row.get("name"), row.get("state"), row.get("problem"));
            } else {
                out.printf("%-32s %-10s %10d %10d %8s%s%n", row.get("name"), row.get("state"), row.get("slots"),
                        row.get("depth"), row.get("livePeers") + "/" + row.get("peers"),
                        Boolean.TRUE.equals(row.get("abandoned")) ? "  abandoned (gc removes it)" : "");
            }
        }
        return Main.EXIT_DONE;
    }

    static int remove(List<String> args, PrintStream out) {
        Arguments a = Arguments.of(args, Set.of("--force"));
        if (a.names.isEmpty()) {
            throw new Options.UsageException("rm needs at least one ring name");
        }
        int status = Main.EXIT_DONE;
        for (String name : a.names) {
            String refusal = removeOne(name, a.has("--force"), out);
            if (refusal != null) {
                System.err.println("panama-shm rm: " + refusal);
                status = Main.EXIT_INCOMPLETE;
            }
        }
        return status;
    }

    /** Removes {@code name}; returns why not, or null when it was removed. */
    private static String removeOne(String name, boolean force, PrintStream out) {
        List<String> bells = Ring.doorbellNames(name);
        Path object = SHM.resolve(name.substring(1));
        if (!Files.exists(object, LinkOption.NOFOLLOW_LINKS)) {
            boolean removed = false;
            for (String bell : bells) {
                removed |= NamedSemaphore.unlinkIfExists(bell);
            }
            if (removed) {
                out.println("removed the doorbells of " + name + " (its ring was gone)");
                return null;
            }
            return "no ring named " + name;
        }
        if (!Ring.list().contains(name)) {
            return name + " is not a panama-shm ring (no ring header): left alone";
        }
        try {
            RingSnapshot ring = Ring.inspect(name);
            List<PeerInfo> live = ring.livePeers();
            if (!live.isEmpty() && !force) {
                return "ring " + name + " has live peers (pid " + live.stream().map(p -> String.valueOf(p.pid()))
                        .distinct().collect(Collectors.joining(", ")) + "): not removed (--force removes it anyway)";
            }
        } catch (RingFormatException unreadable) {
            if (!force) {
                return "ring " + name + " cannot be read (" + unreadable.getMessage() + "): not removed (--force"
                        + " removes it anyway)";
            }
        }
        Ring.unlink(name);
        out.println("removed " + name);
        return null;
    }

    static int collectGarbage(List<String> args, PrintStream out) {
        List<String> rest = new ArrayList<>(args);
        String prefix = "/";
        int at = rest.indexOf("--prefix");
        if (at >= 0) {
            if (at + 1 >= rest.size() || !rest.get(at + 1).startsWith("/")) {
                throw new Options.UsageException("--prefix takes the start of ring names, e.g. /orders");
            }
            prefix = rest.remove(at + 1);
            rest.remove(at);
        }
        Arguments a = Arguments.of(rest, Set.of("--dry-run"));
        if (!a.names.isEmpty()) {
            throw new Options.UsageException("gc takes no names");
        }
        boolean dryRun = a.has("--dry-run");
        String verb = dryRun ? "would remove " : "removed ";
        int removed = 0;
        for (String name : Ring.list()) {
            if (name.startsWith(prefix) && Ring.removeIfAbandoned(name, dryRun)) {
                out.println(verb + name);
                removed++;
            }
        }
        for (String name : orphanedDoorbellPairs()) {
            if (!name.startsWith(prefix)) {
                continue;
            }
            if (!dryRun) {
                Ring.doorbellNames(name).forEach(NamedSemaphore::unlinkIfExists);
            }
            out.println(verb + "the doorbells of " + name + " (its ring is gone)");
            removed++;
        }
        out.println((dryRun ? "gc: would remove " : "gc: removed ") + removed + (removed == 1 ? " object" : " objects"));
        return Main.EXIT_DONE;
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

    private static boolean isOwnSemaphoreFile(Path file) {
        try {
            return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Files.size(file) == 32
                    && Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS)
                    .equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static String describe(RingSnapshot ring) {
        StringBuilder text = new StringBuilder();
        text.append(String.format("ring %s: layout %d.%d, %s, %d slots of up to %d bytes (%d-byte slots), %s producer,"
                        + " %s consumer, up to %d peers, %d bytes%n", ring.name(), ring.versionMajor(), ring.versionMinor(),
                ring.state().name().toLowerCase(Locale.ROOT), ring.slotCount(), ring.maxMessageSize(), ring.slotSize(),
                ring.singleProducer() ? "single" : "multi", ring.singleConsumer() ? "single" : "multi", ring.maxPeers(),
                ring.totalSize()));
        text.append(String.format("  created %s by pid %d (%s ago)%n", ring.created(), ring.creatorPid(),
                age(ring.created())));
        text.append(String.format("  cursors: tail=%d head=%d%s depth=%d%n", ring.tail(), ring.head(),
                ring.singleConsumer() ? " released=" + ring.released() : "", ring.depth()));
        text.append(String.format("  sleeping: %d consumers on the data doorbell, %d producers on the space doorbell%n",
                ring.consumersWaiting(), ring.producersWaiting()));
        RingSnapshot.Counters c = ring.counters();
        text.append(String.format("  counters: abandoned_by_producers=%d lost_in_consumers=%d data_posts=%d space_posts=%d"
                        + " peers_reclaimed=%d corrupt_slots=%d%n", c.abandonedByProducers(), c.lostInConsumers(),
                c.dataPosts(), c.spacePosts(), c.peersReclaimed(), c.corruptSlots()));
        text.append(String.format("  peers: %d (%d alive)%s", ring.peers().size(), ring.livePeers().size(),
                ring.isAbandoned() ? "; abandoned: gc removes it" : ""));
        for (PeerInfo peer : ring.peers()) {
            text.append(String.format("%n    #%-3d %-8s pid %-8d %-4s %-5s messages=%d sleeping on %s, attached %s",
                    peer.index(), peer.role().name().toLowerCase(Locale.ROOT), peer.pid(),
                    peer.language().name().toLowerCase(Locale.ROOT), peer.alive() ? "alive" : "dead", peer.messages(),
                    peer.waitingOn() == PeerInfo.Bell.NONE ? "nothing" : peer.waitingOn().name().toLowerCase(Locale.ROOT)
                            + " doorbell", peer.attached()));
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
        map.put("maxPeers", ring.maxPeers());
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
        map.put("counters", counters);
        List<Map<String, Object>> peers = new ArrayList<>();
        for (PeerInfo peer : ring.peers()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("index", peer.index());
            p.put("role", peer.role().name().toLowerCase(Locale.ROOT));
            p.put("pid", peer.pid());
            p.put("language", peer.language().name().toLowerCase(Locale.ROOT));
            p.put("alive", peer.alive());
            p.put("messages", peer.messages());
            p.put("waitingOn", peer.waitingOn().name().toLowerCase(Locale.ROOT));
            p.put("attached", peer.attached().toString());
            peers.add(p);
        }
        map.put("peers", peers);
        map.put("abandoned", ring.isAbandoned());
        return map;
    }

    /** Names and switches: the tools take no valued flags. */
    private record Arguments(List<String> names, Set<String> switches) {
        static Arguments of(List<String> args, Set<String> known) {
            List<String> names = new ArrayList<>();
            Set<String> switches = new TreeSet<>();
            for (String arg : args) {
                if (arg.startsWith("--")) {
                    if (!known.contains(arg)) {
                        throw new Options.UsageException("unknown option " + arg);
                    }
                    switches.add(arg);
                } else {
                    names.add(arg);
                }
            }
            return new Arguments(names, switches);
        }

        boolean has(String flag) {
            return switches.contains(flag);
        }
    }
}
