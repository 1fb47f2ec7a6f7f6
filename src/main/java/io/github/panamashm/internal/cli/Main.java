// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.cli;

import io.github.panamashm.PosixException;
import io.github.panamashm.ring.NoSuchRingException;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingFormatException;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The {@code panama-shm} command line. */
public final class Main {

    private static final String USAGE = """
            usage: panama-shm COMMAND [OPTIONS]
              demo [--count N] [--size BYTES|MIN-MAX] [--slots N]
                   a Java producer feeds a C consumer and a Java consumer, each in its own process, verified
              %s
              %s
              %s
              bench [--quick] [--rounds N] [--sizes LIST] [--only REGEX] [--out DIR]
                   panama-shm side by side with Agrona, sockets, pipes, semaphores and a bare C ring
                   (bin/panama-shm only: it runs with the test class path; see docs/BENCHMARKS.md)
            """.formatted(ProduceCommand.USAGE.replace("\n", "\n  "), ConsumeCommand.USAGE.replace("\n", "\n  "),
            RingTools.USAGE);

    /** Exit statuses, the same as the C programs' (shm_cli.h; docs/PROTOCOL.md §12). */
    static final int EXIT_DONE = 0;
    static final int EXIT_INCOMPLETE = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_TRUNCATED = 3;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out));
    }

    static int run(List<String> args, PrintStream out) {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("help")) {
            out.print(USAGE);
            return args.isEmpty() ? 2 : 0;
        }
        StopSignal stop = StopSignal.onShutdown();
        try {
            List<String> rest = args.subList(1, args.size());
            return switch (args.get(0)) {
                case "demo" -> DemoCommand.run(rest, stop, out);
                case "produce" -> ProduceCommand.run(rest, stop, out);
                case "consume" -> ConsumeCommand.run(rest, stop, out);
                case "rm" -> RingTools.remove(rest, out);
                case "inspect" -> RingTools.inspect(rest, out);
                case "ls" -> RingTools.list(rest, out);
                case "gc" -> RingTools.collectGarbage(rest, out);
                default -> throw new Options.UsageException("unknown command " + args.get(0));
            };
        } catch (Options.UsageException e) {
            System.err.println("panama-shm: " + e.getMessage());
            System.err.print(USAGE);
            return 2;
        } catch (NoSuchRingException | RingFormatException | PosixException | IllegalArgumentException
                 | IllegalStateException e) {
            System.err.println("panama-shm " + args.get(0) + ": " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            System.err.println("panama-shm " + args.get(0) + ": interrupted");
            return 1;
        } finally {
            stop.finished();
        }
    }

    /** The command line that runs this CLI in a new JVM, the way this one runs. */
    static List<String> javaCommand(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Path code = codeLocation();
        Module module = Main.class.getModule();
        if (module.isNamed()) {
            command.add("--enable-native-access=" + module.getName());
            command.add("--module-path");
            command.add(code.toString());
            command.add("--module");
            command.add(module.getName() + "/" + Main.class.getName());
        } else {
            command.add("--enable-native-access=ALL-UNNAMED");
            command.add("-cp");
            command.add(System.getProperty("java.class.path", code.toString()));
            command.add(Main.class.getName());
        }
        command.addAll(List.of(args));
        return command;
    }

    /** Where the compiled C programs are: -Dpanamashm.native.dir, else target/native beside the jar. */
    static Path nativeDirectory() {
        String configured = System.getProperty("panamashm.native.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        Path code = codeLocation();
        return code.getParent().resolve("native");
    }

    private static Path codeLocation() {
        try {
            return Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate panama-shm's code", e);
        }
    }


    /**
     * Ctrl-C (SIGINT) or SIGTERM asks the running command to stop: it prints its summary, cleans up
     * and returns its exit status (the table in docs/PROTOCOL.md §12), as the C programs do, instead
     * of the JVM's 130 or 143. A second signal of the same kind, once the command has finished, ends
     * the JVM the default way.
     */
    static final class StopSignal {
        private static final List<String> SIGNALS = List.of("INT", "TERM");
        private volatile boolean requested;
        private final List<sun.misc.Signal> signals = new ArrayList<>();
        private final List<sun.misc.SignalHandler> previous = new ArrayList<>();

        static StopSignal onShutdown() {
            StopSignal stop = new StopSignal();
            for (String name : SIGNALS) {
                try {
                    sun.misc.Signal signal = new sun.misc.Signal(name);
                    stop.previous.add(sun.misc.Signal.handle(signal, ignored -> stop.requested = true));
                    stop.signals.add(signal);
                } catch (IllegalArgumentException e) {
                    // the JVM uses it (-Xrs, a debugger): it ends the process the default way
                }
            }
            return stop;
        }

        boolean requested() {
            return requested;
        }

        void finished() {
            for (int i = 0; i < signals.size(); i++) {
                sun.misc.Signal.handle(signals.get(i), previous.get(i));
            }
        }
    }
}
