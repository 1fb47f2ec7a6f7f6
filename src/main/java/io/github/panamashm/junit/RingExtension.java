// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A JUnit 5 extension for tests that span processes and languages: it injects fresh rings
 * ({@code @TempRing Ring ring}) and a {@link Peers} to start external programs with, and after each
 * test, whatever happened, kills the peers still running, puts each peer's output into the test
 * report (and into the failure, when the test failed), and closes and removes every ring it made.
 * See {@link TempRing} for an example.
 */
// Its API shows JUnit's types; a test that uses the kit reads JUnit itself. Making the requirement
// transitive instead would force JUnit onto every module that reads this one, tests or not.
@SuppressWarnings("exports")
public final class RingExtension implements ParameterResolver, AfterEachCallback, AfterAllCallback,
        TestExecutionExceptionHandler {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RingExtension.class);
    private static final AtomicLong COUNTER = new AtomicLong();

    /** Made by JUnit, for {@code @ExtendWith(RingExtension.class)}. */
    public RingExtension() {
    }

    /** What one test made. */
    private static final class Made {
        final List<Ring> rings = new ArrayList<>();
        final Peers peers = new Peers();
    }

    /**
     * What {@code context} itself made: keyed by its unique id, so that a test never sees (nor cleans
     * up) what its class or another test made, also when tests run in parallel.
     */
    private static Made made(ExtensionContext context) {
        return context.getStore(NAMESPACE).computeIfAbsent(context.getUniqueId(), key -> new Made(), Made.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return (type == Ring.class && parameter.isAnnotated(TempRing.class)) || type == Peers.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Made made = made(context);
        if (parameter.getParameter().getType() == Peers.class) {
            return made.peers;
        }
        TempRing wanted = parameter.findAnnotation(TempRing.class).orElseThrow();
        String name = uniqueName(context);
        try {
            Ring ring = Ring.create(name, RingSpec.of(wanted.slots(), wanted.maxMessageSize())
                    .singleProducer(wanted.singleProducer()).singleConsumer(wanted.singleConsumer()));
            made.rings.add(ring);
            return ring;
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("cannot create the ring " + name + " for "
                    + parameter.getParameter() + ": " + e.getMessage(), e);
        }
    }

    /** Unique per process, test and call; short enough for any ring name (at most 245 bytes). */
    private static String uniqueName(ExtensionContext context) {
        String method = context.getTestMethod().map(m -> m.getName()).orElse("test").replaceAll("[^A-Za-z0-9]", "");
        if (method.length() > 40) {
            method = method.substring(0, 40);
        }
        return "/pshm-junit-" + method + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
    }

    /** On failure, the peers are stopped and their whole output travels with the exception. */
    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        for (Peer peer : made(context).peers.started()) {
            boolean wasRunning = peer.process().isAlive();
            peer.close(); // first, so that what it prints as it stops is part of the report
            failure.addSuppressed(new PeerOutput(peer, wasRunning));
        }
        throw failure;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        cleanUp(context);
    }

    /** What a {@code @BeforeAll} method or a test class's constructor asked for goes after the class. */
    @Override
    public void afterAll(ExtensionContext context) {
        cleanUp(context);
    }

    private static void cleanUp(ExtensionContext context) {
        Made made = context.getStore(NAMESPACE).remove(context.getUniqueId(), Made.class);
        if (made == null) {
            return;
        }
        try {
            for (Peer peer : made.peers.started()) {
                peer.close();
            }
            for (Peer peer : made.peers.started()) {
                String output = peer.output();
                context.publishReportEntry("peer " + String.join(" ", peer.command()),
                        output.isBlank() ? "(no output)" : output);
            }
        } finally {
            closeAndRemove(made.rings);
        }
    }

    private static void closeAndRemove(List<Ring> rings) {
        RuntimeException failure = null;
        for (Ring ring : rings) {
            try {
                ring.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
            try {
                Ring.unlink(ring.name());
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Lines of a peer's output a failure report shows: the last ones, where it ended. */
    static final int REPORTED_LINES = 60;

    /** How a peer ended and the end of its output, attached to a failed test's exception. */
    static final class PeerOutput extends Exception {
        private static final long serialVersionUID = 1L;

        PeerOutput(Peer peer, boolean wasRunning) {
            super(describe(peer, wasRunning), null, false, false);
        }

        static String describe(Peer peer, boolean wasRunning) {
            int status = peer.process().isAlive() ? -1 : peer.process().exitValue();
            String how = wasRunning
                    ? "was still running when the test failed, and was stopped"
                            + (status == 143 ? " (SIGTERM, exit 143)" : status == 137 ? " (SIGKILL after 5 s, exit 137)"
                            : status >= 0 ? " (exit " + status + ")" : "")
                    : "had exited with status " + status;
            List<String> lines = peer.output().lines().toList();
            String shown = lines.isEmpty() ? "It printed nothing."
                    : lines.size() <= REPORTED_LINES ? "Its output:\n" + String.join("\n", lines)
                    : "The last " + REPORTED_LINES + " of its " + lines.size() + " lines:\n"
                            + String.join("\n", lines.subList(lines.size() - REPORTED_LINES, lines.size()));
            return "peer " + String.join(" ", peer.command()) + " " + how + ". " + shown;
        }
    }
}
