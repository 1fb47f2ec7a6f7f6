// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.conformance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The programs a conformance run starts: the peer's producer and consumer (shell command lines to
 * which the flags of docs/PROTOCOL.md §12 are appended) and the project's own, in C and Java.
 *
 * @param peerProducer    the peer's producer, a command line for {@code sh -c}, e.g. {@code ./target/release/producer}
 * @param peerConsumer    the peer's consumer, likewise
 * @param javaCommandLine the command that runs this CLI in a JVM, without the command name
 * @param nativeDirectory where the C {@code shm-producer} and {@code shm-consumer} are
 */
public record Programs(String peerProducer, String peerConsumer, List<String> javaCommandLine, Path nativeDirectory) {

    public Programs {
        javaCommandLine = List.copyOf(javaCommandLine);
    }

    /** Who runs one side of a scenario. */
    enum Side {
        PEER("peer"), C("C"), JAVA("Java");

        private final String label;

        Side(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** The command line of {@code side}'s producer or consumer with {@code flags}. */
    List<String> command(Side side, boolean producer, List<String> flags) {
        List<String> command = new ArrayList<>();
        switch (side) {
            case PEER -> {
                // exec: the peer is the shell's process itself, so that SIGKILL reaches it
                command.addAll(List.of("/bin/sh", "-c", "exec " + (producer ? peerProducer : peerConsumer) + " \"$@\"",
                        producer ? "peer-producer" : "peer-consumer"));
            }
            case C -> command.add(nativeDirectory.resolve(producer ? "shm-producer" : "shm-consumer").toString());
            case JAVA -> {
                command.addAll(javaCommandLine);
                command.add(producer ? "produce" : "consume");
            }
        }
        command.addAll(flags);
        return command;
    }
}
