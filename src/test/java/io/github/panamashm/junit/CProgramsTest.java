// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The C side that travels with the jar: the kit builds the C consumer and producer, and a user's own
 * C peer, from the sources the jar carries, into a cache, and they talk to this JVM's rings.
 */
@ExtendWith(RingExtension.class)
class CProgramsTest {

    @TempDir
    static Path cache;

    @BeforeAll
    static void aCacheOfItsOwn() {
        System.setProperty("panamashm.cache.dir", cache.toString());
    }

    @AfterAll
    static void backToTheUsersCache() {
        System.clearProperty("panamashm.cache.dir"); // the directory goes with this class
    }

    @Test
    void theCConsumerBuiltFromTheJarReceivesWhatJavaSends(@TempRing(slots = 16, maxMessageSize = 64) Ring ring,
                                                          Peers peers) throws Exception {
        Path consumer = CPrograms.consumer();
        assertThat(consumer).startsWith(cache);
        assertThat(CPrograms.consumer()).as("built once").isEqualTo(consumer);
        var version = peers.start(consumer, "--version").awaitExit(Duration.ofSeconds(30));
        assertThat(version.output()).startsWith("shm-consumer (panama-shm ").contains("ring layout " + Ring.layoutVersion())
                .doesNotContain("outside Maven");
        Peer peer = peers.start(consumer, "--ring", ring.name(), "--count", "100", "--timeout-ms", "30000");
        try (Producer producer = ring.producer()) {
            for (int i = 0; i < 100; i++) {
                producer.send(("m" + i).getBytes(StandardCharsets.UTF_8));
            }
        }
        PeerResult result = peer.awaitExit(Duration.ofSeconds(30)).requireSuccess();
        assertThat(result.summaryValue("received")).isEqualTo(100);
        assertThat(Files.isExecutable(CPrograms.producer())).isTrue();
    }

    @Test
    void aUsersOwnCPeerIsBuiltAgainstTheHeaderAndACompileErrorSaysWhy(@TempDir Path dir, Peers peers) throws Exception {
        Path mine = dir.resolve("my_peer.c");
        Files.writeString(mine, """
                #include "panama_shm.h"
                int main(void) { printf("layout %d\\n", PSHM_VERSION_MAJOR); return 0; }
                """);
        var ran = peers.start(CPrograms.compile(mine)).awaitExit(Duration.ofSeconds(30)).requireSuccess();
        assertThat(ran.output().strip()).isEqualTo("layout " + Ring.layoutVersion().split("\\.")[0]);

        Path broken = dir.resolve("broken.c");
        Files.writeString(broken, "#include \"panama_shm.h\"\nint main(void) { return undeclared; }\n");
        assertThatThrownBy(() -> CPrograms.compile(broken)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot build broken").hasMessageContaining("undeclared");
    }

    /** The cache key is the preprocessed source: a header of the user's own that changed is built again. */
    @Test
    void aChangedHeaderNextToTheSourceIsBuiltAgain(@TempDir Path dir, Peers peers) throws Exception {
        Path source = dir.resolve("with_header.c");
        Files.writeString(source, """
                #include "panama_shm.h"
                #include "answer.h"
                int main(void) { printf("answer %d\\n", ANSWER); return 0; }
                """);
        Files.writeString(dir.resolve("answer.h"), "#define ANSWER 41\n");
        Path first = CPrograms.compile(source);
        assertThat(peers.start(first).awaitExit(Duration.ofSeconds(30)).requireSuccess().output().strip())
                .isEqualTo("answer 41");
        Files.writeString(dir.resolve("answer.h"), "#define ANSWER 42\n");
        Path second = CPrograms.compile(source);
        assertThat(second).isNotEqualTo(first);
        assertThat(peers.start(second).awaitExit(Duration.ofSeconds(30)).requireSuccess().output().strip())
                .isEqualTo("answer 42");
        assertThat(CPrograms.compile(source)).as("unchanged: from the cache").isEqualTo(second);
    }

    @Test
    void aNullProgramIsRefusedSayingWhatIsMissing(Peers peers) {
        assertThatThrownBy(() -> peers.start(System.getProperty("no.such.property"), "--ring", "/x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the program to start is null").hasMessageContaining("CPrograms.consumer()");
        assertThatThrownBy(() -> peers.start("cat", null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("argument 1 of cat is null");
    }
}
