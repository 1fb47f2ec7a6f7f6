// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import java.nio.file.Path;
import java.util.ArrayList;
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
     * @throws java.io.UncheckedIOException if it cannot be started
     */
    public Peer start(String... command) {
        return start(List.of(command));
    }

    /**
     * Starts {@code program} with {@code args}.
     *
     * @param program the program, e.g. a C consumer the build compiled
     * @param args    its arguments
     * @return the running peer
     * @throws java.io.UncheckedIOException if it cannot be started
     */
    public Peer start(Path program, String... args) {
        List<String> command = new ArrayList<>();
        command.add(program.toString());
        command.addAll(List.of(args));
        return start(command);
    }

    /**
     * Starts {@code command}.
     *
     * @param command the program and its arguments
     * @return the running peer
     * @throws java.io.UncheckedIOException if it cannot be started
     */
    public synchronized Peer start(List<String> command) {
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
