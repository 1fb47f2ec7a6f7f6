// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Starts external peers for one test and keeps track of them, so that {@link RingExtension} can
 * kill those still running when the test ends and report what each printed. Inject it as a test
 * method parameter.
 */
public final class Peers {

    private final List<Peer> started = new ArrayList<>();

    Peers() {
    }

    /**
     * Starts {@code command}.
     *
     * @param command the program and its arguments
     * @return the running peer
     * @throws IllegalArgumentException if the command is empty or a word of it is null, saying which
     * @throws java.io.UncheckedIOException if it cannot be started
     */
    public Peer start(String... command) {
        return start(Arrays.asList(command));
    }

    /**
     * Starts {@code program} with {@code args}.
     *
     * @param program the program, e.g. {@link CPrograms#consumer()}
     * @param args    its arguments
     * @return the running peer
     * @throws IllegalArgumentException if the program or an argument is null, saying which
     * @throws java.io.UncheckedIOException if it cannot be started
     */
    public Peer start(Path program, String... args) {
        List<String> command = new ArrayList<>();
        command.add(program == null ? null : program.toString());
        command.addAll(Arrays.asList(args));
        return start(command);
    }

    /**
     * Starts {@code command}.
     *
     * @param command the program and its arguments
     * @return the running peer
     * @throws IllegalArgumentException if the command is empty or a word of it is null (e.g. a system
     *                                  property that is not set), saying which
     * @throws java.io.UncheckedIOException if it cannot be started
     */
    public synchronized Peer start(List<String> command) {
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("no program to start");
        }
        for (int i = 0; i < command.size(); i++) {
            if (command.get(i) == null) {
                throw new IllegalArgumentException((i == 0 ? "the program to start is null"
                        : "argument " + i + " of " + command.getFirst() + " is null")
                        + " (a system property that is not set?); CPrograms.consumer() and producer() build the C peers");
            }
        }
        Peer peer = new Peer(command);
        started.add(peer);
        return peer;
    }

    /**
     * The peers started so far, in order.
     *
     * @return the peers
     */
    public synchronized List<Peer> started() {
        return List.copyOf(started);
    }
}
