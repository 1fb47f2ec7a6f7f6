// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.panamashm.NamedSemaphore;
import io.github.panamashm.SharedMemory;
import io.github.panamashm.junit.PeerResult;
import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.MessageType;
import io.github.panamashm.ring.PeerInfo;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.testing.Layouts;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code inspect}, {@code ls}, {@code rm} and {@code gc} run as a user runs them, in a JVM of their
 * own, against rings with live and dead peers (a C consumer killed with SIGKILL), half-made rings,
 * leftover doorbells and objects that are not rings.
 */
class RingToolsTest {

    private static final long MAGIC = 0x474E49524D485350L;

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static PeerResult cli(String... args) {
        return Processes.run(Processes.javaCommand(Main.class, args), 60);
    }

    private static JsonElement json(PeerResult finished) {
        assertThat(finished.exitCode()).as(finished.output()).isZero();
        return JsonParser.parseString(finished.output().strip());
    }

    /** A ring whose only peer, a C consumer, was killed while attached. */
    private String ringWithADeadPeer(String label) throws Exception {
        String name = names.ring(label);
        try (Ring ring = Ring.create(name, RingSpec.of(8, 64));
             var consumer = Processes.start(List.of(Processes.nativeProgram("shm-consumer").toString(), "--ring", name,
                     "--count", "5", "--timeout-ms", "60000"))) {
            try (Producer producer = ring.producer()) {
                producer.send(new byte[] {1, 2, 3});
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (ring.peers().stream().noneMatch(p -> p.alive() && p.isConsumer() && p.messages() == 1)) {
                assertThat(System.nanoTime()).as("the consumer attaches and takes the message").isLessThan(deadline);
                Thread.sleep(10);
            }
            consumer.process().toHandle().destroyForcibly(); // SIGKILL: it dies attached
            consumer.process().waitFor();
        }
        return name;
    }

    @Test
    void inspectShowsGeometryCursorsCountersAndEachPeersLiveness() throws Exception {
        String name = ringWithADeadPeer("inspect");
        JsonObject ring = json(cli("inspect", name, "--json")).getAsJsonObject();
        assertThat(ring.get("name").getAsString()).isEqualTo(name);
        assertThat(ring.get("version").getAsString()).isEqualTo(Ring.layoutVersion());
        assertThat(ring.get("state").getAsString()).isEqualTo("ready");
        assertThat(ring.get("slots").getAsInt()).isEqualTo(8);
        assertThat(ring.get("maxMessageSize").getAsInt()).isEqualTo(64);
        assertThat(ring.get("creatorPid").getAsLong()).isEqualTo(ProcessHandle.current().pid());
        assertThat(ring.get("tail").getAsLong()).isEqualTo(1);
        assertThat(ring.get("head").getAsLong()).isEqualTo(1);
        assertThat(ring.getAsJsonObject("counters").keySet()).containsExactly("abandonedByProducers", "lostInConsumers",
                "dataPosts", "spacePosts", "peersReclaimed", "corruptSlots", "fanOutDropped", "fanOutOverwritten");
        JsonArray peers = ring.getAsJsonArray("peers");
        assertThat(peers).hasSize(1);
        JsonObject consumer = peers.get(0).getAsJsonObject();
        assertThat(consumer.get("role").getAsString()).isEqualTo("consumer");
        assertThat(consumer.get("language").getAsString()).isEqualTo("c");
        assertThat(consumer.get("alive").getAsBoolean()).isFalse();
        assertThat(consumer.get("messages").getAsLong()).isEqualTo(1);
        assertThat(ring.get("abandoned").getAsBoolean()).isTrue();

        var text = cli("inspect", name);
        assertThat(text.output()).contains("ring " + name + ": layout " + Ring.layoutVersion() + ", ready, 8 slots of up to 64 bytes")
                .contains("consumer pid").contains(" c    dead ").contains("abandoned: gc removes it");
    }

    @Test
    void aLivePeerIsShownAliveAndTheRingIsNotAbandoned() throws Exception {
        String name = names.ring("inspect-live");
        try (Ring ring = Ring.create(name, RingSpec.of(8, 64)); Producer ignored = ring.producer()) {
            JsonObject snapshot = json(cli("inspect", name, "--json")).getAsJsonObject();
            JsonObject producer = snapshot.getAsJsonArray("peers").get(0).getAsJsonObject();
            assertThat(producer.get("role").getAsString()).isEqualTo("producer");
            assertThat(producer.get("language").getAsString()).isEqualTo("java");
            assertThat(producer.get("alive").getAsBoolean()).as("held by this JVM, seen from another").isTrue();
            assertThat(snapshot.get("abandoned").getAsBoolean()).isFalse();
            assertThat(snapshot.getAsJsonArray("holdups")).as("nothing stalled").isEmpty();
        }
    }

    @Test
    void inspectShowsATypedRingsMessageTypeFieldByField() throws Exception {
        String name = names.ring("inspect-typed");
        MessageType order = MessageType.of(Layouts.ORDER);
        try (Ring ignored = Ring.create(name, RingSpec.of(8, order))) {
            assertThat(cli("inspect", name).output()).contains("message type: order (32 bytes, aligned to 8, hash"
                    + " 0xe4154b6b509a43ca): id i64 @0, price f64 @8, qty i32 @16, symbol bytes[8] @20\n");
            JsonObject type = json(cli("inspect", name, "--json")).getAsJsonObject().getAsJsonObject("messageType");
            assertThat(type.get("name").getAsString()).isEqualTo("order");
            assertThat(type.get("size").getAsInt()).isEqualTo(32);
            assertThat(type.get("hash").getAsString()).isEqualTo("0xe4154b6b509a43ca");
            JsonObject symbol = type.getAsJsonArray("fields").get(3).getAsJsonObject();
            assertThat(symbol.get("name").getAsString()).isEqualTo("symbol");
            assertThat(symbol.get("offset").getAsInt()).isEqualTo(20);
            assertThat(symbol.get("type").getAsString()).isEqualTo("bytes[8]");
        }
        String untyped = names.ring("inspect-untyped");
        try (Ring ignored = Ring.create(untyped, RingSpec.of(8, 32))) {
            assertThat(cli("inspect", untyped).output()).doesNotContain("message type");
            assertThat(json(cli("inspect", untyped, "--json")).getAsJsonObject().has("messageType")).isFalse();
        }
    }

    @Test
    void inspectShowsEachFanOutConsumersCursorAndLagAndWhoGatesTheProducer() throws Exception {
        String name = names.ring("inspect-fanout");
        try (Ring ring = Ring.create(name, RingSpec.of(4, 16).fanOut());
             Producer producer = ring.producer();
             Consumer fast = ring.consumer();
             Consumer slow = ring.consumer()) {
            for (int i = 0; i < 4; i++) {
                producer.offer(new byte[8]);
                fast.tryReceive(new byte[16]);
            }
            slow.tryReceive(new byte[16]);
            int slowEntry = ring.peers().stream().filter(PeerInfo::isConsumer).toList().get(1).index();
            String text = cli("inspect", name).output();
            assertThat(text).contains("fan-out (block: the slowest consumer gates the producer), single producer")
                    .contains("cursors: tail=4 slowest consumer=1 depth=3")
                    .contains("cursor=4 lag=0").contains("cursor=1 lag=3")
                    .contains("fanout_dropped=0");
            producer.offer(new byte[8]);
            assertThat(cli("inspect", name).output()).contains("waiting: producers wait behind position 1, not yet read by"
                    + " peer #" + slowEntry);
            JsonObject snapshot = json(cli("inspect", name, "--json")).getAsJsonObject();
            assertThat(snapshot.get("fanOut").getAsBoolean()).isTrue();
            assertThat(snapshot.get("depth").getAsLong()).isEqualTo(4);
            JsonObject slowPeer = snapshot.getAsJsonArray("peers").asList().stream().map(JsonElement::getAsJsonObject)
                    .filter(p -> p.get("index").getAsInt() == slowEntry).findFirst().orElseThrow();
            assertThat(slowPeer.get("cursor").getAsLong()).isEqualTo(1);
            assertThat(slowPeer.get("lag").getAsLong()).isEqualTo(4);
            assertThat(snapshot.getAsJsonObject("counters").get("fanOutDropped").getAsLong()).isZero();
        }
    }

    @Test
    void inspectSaysWhichPeerAStalledRingWaitsOn() throws Exception {
        String name = names.ring("inspect-stalled");
        long pid = ProcessHandle.current().pid();
        try (Ring ring = Ring.create(name, RingSpec.of(8, 64)); Producer producer = ring.producer()) {
            producer.tryClaim(8); // claimed and never published: every consumer waits behind position 0
            int entry = ring.peers().getFirst().index();
            assertThat(cli("inspect", name).output()).contains("waiting: consumers wait behind position 0, claimed and "
                    + "not published by peer #" + entry + " (pid " + pid + ", alive: slow or stopped?)");
            JsonObject holdup = json(cli("inspect", name, "--json")).getAsJsonObject().getAsJsonArray("holdups").get(0)
                    .getAsJsonObject();
            assertThat(holdup.get("waiting").getAsString()).isEqualTo("consumers");
            assertThat(holdup.get("position").getAsLong()).isZero();
            assertThat(holdup.get("holder").getAsInt()).isEqualTo(entry);
            assertThat(holdup.get("pid").getAsLong()).isEqualTo(pid);
            producer.abort();
        }
    }

    @Test
    void lsListsRingsOnlyWithStateDepthAndPeers() throws Exception {
        String ring = names.ring("ls");
        String foreign = names.shm("ls-foreign");
        try (Ring r = Ring.create(ring, RingSpec.of(16, 32)); Producer producer = r.producer();
             SharedMemory other = SharedMemory.create(foreign, 4096)) {
            producer.send(new byte[4]);
            producer.send(new byte[4]);
            other.segment().fill((byte) 7);
            JsonArray rows = json(cli("ls", "--json")).getAsJsonArray();
            List<String> listed = new ArrayList<>();
            JsonObject row = null;
            for (JsonElement element : rows) {
                String name = element.getAsJsonObject().get("name").getAsString();
                listed.add(name);
                if (name.equals(ring)) {
                    row = element.getAsJsonObject();
                }
            }
            assertThat(listed).contains(ring).doesNotContain(foreign);
            assertThat(row).isNotNull();
            assertThat(row.get("state").getAsString()).isEqualTo("ready");
            assertThat(row.get("slots").getAsInt()).isEqualTo(16);
            assertThat(row.get("depth").getAsLong()).isEqualTo(2);
            assertThat(row.get("livePeers").getAsInt()).isEqualTo(1);
            assertThat(cli("ls").output()).containsPattern(ring.replace("/", "\\/") + " +ready +16 +2 +1/1");
        }
    }

    @Test
    void lsIsNotHeldUpByAFifoAndPrintsNoControlCharacters() throws Exception {
        String fifo = names.shm("ls-fifo");
        assertThat(new ProcessBuilder("mkfifo", "-m", "644", "/dev/shm" + fifo).start().waitFor()).isZero();
        String escape = names.ring("ls-\u001b[31m");
        try (Ring ignored = Ring.create(escape, RingSpec.of(2, 8))) {
            var listed = cli("ls");
            assertThat(listed.exitCode()).as(listed.output()).isZero();
            assertThat(listed.output()).doesNotContain(fifo).doesNotContain("\u001b")
                    .contains(escape.replace("\u001b", "\\x1b"));
        }
        assertThat(RingTools.printable("a\u0007b\u009bc\u00e9")).isEqualTo("a\\x07b\\x9bc\u00e9");
    }

    @Test
    void rmRefusesObjectsThatAreNotRingsAndRingsWithLivePeersUnlessForced() throws Exception {
        String foreign = names.shm("rm-foreign");
        SharedMemory.create(foreign, 4096).close();
        var refused = cli("rm", foreign);
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.output()).contains("is not a panama-shm ring");
        assertThat(Files.exists(Path.of("/dev/shm" + foreign))).as("left alone").isTrue();
        assertThat(cli("rm", "--force", foreign).exitCode()).as("not even forced").isEqualTo(1);

        String live = names.ring("rm-live");
        try (Ring ring = Ring.create(live, RingSpec.of(8, 64)); Producer ignored = ring.producer()) {
            var busy = cli("rm", live);
            assertThat(busy.exitCode()).isEqualTo(1);
            assertThat(busy.output()).contains("has live peers (pid " + ProcessHandle.current().pid() + ")")
                    .contains("--force");
            assertThat(Ring.list()).contains(live);
            var forced = cli("rm", "--force", live);
            assertThat(forced.exitCode()).as(forced.output()).isZero();
            assertThat(Ring.list()).doesNotContain(live);
        }
        for (String bell : Ring.doorbellNames(live)) {
            assertThat(Files.exists(NamedSemaphore.file(bell))).as(bell).isFalse();
        }
    }

    @Test
    void rmRemovesDoorbellsLeftWithoutTheirRing() {
        String name = names.ring("rm-bells");
        for (String bell : Ring.doorbellNames(name)) {
            NamedSemaphore.create(bell, 0).close();
        }
        var removed = cli("rm", name);
        assertThat(removed.exitCode()).as(removed.output()).isZero();
        assertThat(removed.output()).contains("removed the doorbells of " + name);
        var again = cli("rm", name);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.output()).contains("no ring named " + name);
    }

    @Test
    void gcRemovesWhatDeadProcessesLeftAndNothingElse() throws Exception {
        String dead = ringWithADeadPeer("gc-dead");
        String halfMade = names.ring("gc-half");
        try (SharedMemory shm = SharedMemory.create(halfMade, RingSpec.of(8, 64).totalSize())) {
            shm.segment().set(ValueLayout.JAVA_LONG, 0, MAGIC); // a creator that died after writing the magic
        }
        String orphan = names.ring("gc-orphan");
        for (String bell : Ring.doorbellNames(orphan)) {
            NamedSemaphore.create(bell, 0).close();
        }
        String idle = names.ring("gc-idle"); // its peers detached cleanly: it keeps its message for later
        try (Ring ring = Ring.create(idle, RingSpec.of(8, 64)); Producer producer = ring.producer()) {
            producer.send(new byte[1]);
        }
        String closedFull = names.ring("gc-closed-full"); // closed, its consumer still to come: kept
        try (Ring ring = Ring.create(closedFull, RingSpec.of(8, 64)); Producer producer = ring.producer()) {
            producer.send(new byte[1]);
            ring.closeForWriting();
        }
        String closedEmpty = names.ring("gc-closed-empty"); // closed and drained, nobody attached: garbage
        try (Ring ring = Ring.create(closedEmpty, RingSpec.of(8, 64))) {
            ring.closeForWriting();
        }
        String foreign = names.shm("gc-foreign");
        SharedMemory.create(foreign, 4096).close();
        String lone = names.semaphore("gc-lone") + ".data"; // someone's semaphore that only looks like a doorbell
        names.track(null, lone);
        NamedSemaphore.create(lone, 0).close();
        Thread.sleep(1_300); // the half-made ring is older than the one second a creator may take

        String live = names.ring("gc-live");
        try (Ring ring = Ring.create(live, RingSpec.of(8, 64)); Producer ignored = ring.producer()) {
            var dryRun = cli("gc", "--dry-run", "--prefix", "/pshm-t-gc-"); // only this test's objects
            assertThat(dryRun.output()).contains("would remove " + dead + "\n", "would remove " + halfMade + "\n",
                    "would remove the doorbells of " + orphan);
            assertThat(Ring.list()).contains(dead, halfMade);

            var gc = cli("gc", "--prefix", "/pshm-t-gc-");
            assertThat(gc.exitCode()).as(gc.output()).isZero();
            assertThat(gc.output()).contains("removed " + dead + "\n", "removed " + halfMade + "\n",
                    "removed " + closedEmpty + "\n", "removed the doorbells of " + orphan)
                    .doesNotContain(live, idle, foreign, lone, closedFull);
            assertThat(Ring.list()).doesNotContain(dead, halfMade, closedEmpty).contains(live, idle, closedFull);
            assertThat(Files.exists(Path.of("/dev/shm" + foreign))).isTrue();
            assertThat(Files.exists(NamedSemaphore.file(lone))).isTrue();
            for (String bell : Ring.doorbellNames(orphan)) {
                assertThat(Files.exists(NamedSemaphore.file(bell))).as(bell).isFalse();
            }
            assertThat(ring.peers()).filteredOn(PeerInfo::alive).hasSize(1);
        }
    }
}
