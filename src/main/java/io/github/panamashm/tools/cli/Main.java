// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.PosixException;
import io.github.panamashm.ring.NoSuchRingException;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingFormatException;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/** The {@code panama-shm} command line, on picocli: one class per command, a sentence per flag. */
@Command(name = "panama-shm", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "POSIX shared-memory rings that Java and C processes share.",
        subcommands = {DemoCommand.class, ProduceCommand.class, ConsumeCommand.class, RingTools.Inspect.class,
                RingTools.Watch.class, TailCommand.class,
                RingTools.Ls.class, RingTools.Rm.class, RingTools.Gc.class, ConformanceCommand.class, Main.Bench.class, HelpCommand.class},
        footer = {"", "Exit status (the same for the C programs, docs/PROTOCOL.md §12): 0 done; 1 stopped early, or "
                + "messages lost, duplicated or damaged; 2 bad usage or an error; 3 the ring was truncated under it.",
                "--verbose, on any command, prints the stack trace of an error."})
public final class Main implements Runnable {

    /** Exit statuses, the same as the C programs' (shm_cli.h; docs/PROTOCOL.md §12). */
    static final int EXIT_DONE = 0;
    static final int EXIT_INCOMPLETE = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_TRUNCATED = 3;

    @Spec
    private CommandSpec spec;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace of an error, not only its one line.")
    private boolean verbose;

    Main() {
    }

    /** Without a command: the usage, as an error (status 2). */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the command line with its output and errors going to {@code out} and {@code err}. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        CommandLine commandLine = new CommandLine(new Main()).setOut(out).setErr(err);
        commandLine.setParameterExceptionHandler((e, ignored) -> {
            CommandLine command = e.getCommandLine();
            String path = command.getCommandSpec().qualifiedName();
            command.getErr().println(path + ": " + asTheCProgramsSayIt(e) + " (try '" + path + " --help')");
            if (verbose) {
                e.printStackTrace(command.getErr());
            }
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, command, ignored) -> {
            String path = command.getCommandSpec().qualifiedName();
            if (e instanceof InterruptedException) {
                command.getErr().println(path + ": interrupted");
                return EXIT_INCOMPLETE;
            }
            if (e instanceof CommandLine.ParameterException usage) {
                return command.getParameterExceptionHandler().handleParseException(usage, args);
            }
            command.getErr().println(path + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (verbose || !(e instanceof RuntimeException) || isBug(e)) {
                e.printStackTrace(command.getErr());
            }
            return EXIT_USAGE;
        });
        return commandLine.execute(args);
    }

    /** picocli's words for what shm_cli.h also refuses, in shm_cli.h's words, so that both read alike. */
    private static String asTheCProgramsSayIt(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String first = unmatched.getUnmatched().getFirst();
            if (!first.startsWith("-") && !e.getCommandLine().getSubcommands().isEmpty()) {
                List<String> near = unmatched.getSuggestions();
                return "unknown command: '" + first + "'" + (near.isEmpty() ? "" : ", did you mean '" + near.getFirst() + "'?");
            }
            return "unknown option: '" + first + "'";
        }
        if (e instanceof CommandLine.MissingParameterException missing && !missing.getMissing().isEmpty()
                && missing.getMissing().getFirst() instanceof CommandLine.Model.OptionSpec option) {
            return "missing value for: '" + option.longestName() + "'";
        }
        return e.getMessage();
    }

    /** Errors the user can act on are one line; anything else is a bug and shows where it happened. */
    private static boolean isBug(Throwable e) {
        return !(e instanceof NoSuchRingException || e instanceof RingFormatException || e instanceof PosixException
                || e instanceof IllegalArgumentException || e instanceof IllegalStateException
                || e instanceof java.io.UncheckedIOException);
    }

    /** The version of this build and of the ring layout it reads and writes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws Exception {
            Properties build = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/io/github/panamashm/version.properties")) {
                if (in != null) {
                    build.load(in);
                }
            }
            return new String[] {"panama-shm " + build.getProperty("version", "(unknown version)") + ", ring layout "
                    + Ring.layoutVersion() + ", Java " + Runtime.version()};
        }
    }

    /** Listed so that the help shows it; the benchmark needs the test class path, which bin/panama-shm sets up. */
    @Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {"Benchmark against the reference systems (through bin/panama-shm).", "Measure panama-shm side by side with Agrona, sockets, pipes, semaphores "
            + "and a bare C ring (docs/BENCHMARKS.md). Run it as bin/panama-shm bench [--quick] [--rounds N] "
            + "[--sizes LIST] [--only REGEX] [--out DIR]: it needs the test class path that script sets up."})
    static final class Bench implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @CommandLine.Unmatched
        private List<String> ignored;

        @Override
        public Integer call() {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "the benchmark runs through bin/panama-shm bench, which sets up its class path");
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
            command.add(code + java.io.File.pathSeparator + location(CommandLine.class));
            command.add("--add-modules");
            command.add("info.picocli");
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

    /** Where panama-shm's classes are: its jar, or the build's class directory. */
    static Path codePath() {
        return codeLocation();
    }

    private static Path codeLocation() {
        return location(Main.class);
    }

    private static Path location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
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
