// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.util.List;

/**
 * One benchmark scenario: which side receives, which side sends, the flags both get, and how fast it is
 * expected to go (which picks its message counts, see {@link BenchCounts}). {@link #ALL} is the whole
 * catalogue, in the order the table, the CSV files and the chart use.
 *
 * @param name     the name shown in the table and written to the CSV files
 * @param kind     what is measured
 * @param receiver the side started first ({@code consume} or {@code pong}); it prints {@code ready}
 * @param sender   the side started second ({@code produce} or {@code ping})
 * @param pace     {@link Pace#FAST} for spinning shared-memory rings, {@link Pace#SLOW} for the others
 * @param flags    scenario flags given to both sides after the common ones
 * @param consumers how many receivers (fan-out scenarios: each receives every message); 1 otherwise
 * @param fanOut   a fan-out scenario: every receiver gets the whole stream, through a buffer as large
 *                 as Aeron IPC's default publication window ({@link BenchCounts#slots})
 */
record Scenario(String name, Kind kind, Side receiver, Side sender, Pace pace, List<String> flags, int consumers,
                boolean fanOut) {

    /** What a scenario measures. */
    enum Kind {
        /** Messages per second from {@code produce} to {@code consume}; higher is better. */
        THROUGHPUT,
        /** Ping-pong round-trip time; lower is better. */
        LATENCY,
        /** CPU time of a consumer waiting with nothing to consume; lower is better. */
        IDLE_CPU
    }

    /**
     * Speed class: throughput counts for FAST assume 10-30 M msgs/s at 64 bytes, for SLOW about 2 M msgs/s;
     * latency counts for FAST assume a spinning round trip (well under 10 us), for SLOW a blocking one (~55 us).
     */
    enum Pace { FAST, SLOW }

    /** How a side's program is launched. */
    enum Launch { JAVA, NATIVE }

    /** How a side names its channel: a POSIX shared-memory name or a file-system path prefix. */
    enum Naming { SHM, PATH }

    /** The programs that can play a side. */
    enum Side {
        PSHM_JAVA("pshm-java", Launch.JAVA, "io.github.panamashm.bench.PshmSide",
                List.of("--enable-native-access=ALL-UNNAMED"), Naming.SHM),
        PSHM_C("pshm-c", Launch.NATIVE, "bench-pshm", List.of(), Naming.SHM),
        AGRONA("agrona", Launch.JAVA, "io.github.panamashm.bench.AgronaSide",
                List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"), Naming.SHM),
        AERON("aeron", Launch.JAVA, "io.github.panamashm.bench.AeronSide",
                List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"), Naming.SHM),
        UDS("uds", Launch.JAVA, "io.github.panamashm.bench.UdsSide", List.of(), Naming.PATH),
        CRING("cring", Launch.NATIVE, "bench-cring", List.of(), Naming.SHM),
        TEXTBOOK("textbook", Launch.NATIVE, "bench-textbook", List.of(), Naming.SHM),
        PIPE("pipe", Launch.NATIVE, "bench-pipe", List.of(), Naming.PATH);

        final String label;
        final Launch launch;
        /** The main class for {@link Launch#JAVA}, the program's file name in the native dir for {@link Launch#NATIVE}. */
        final String program;
        /** JVM flags this side needs on top of {@link BenchEnv#JVM_FLAGS}. */
        final List<String> jvmFlags;
        final Naming naming;

        Side(String label, Launch launch, String program, List<String> jvmFlags, Naming naming) {
            this.label = label;
            this.launch = launch;
            this.program = program;
            this.jvmFlags = jvmFlags;
            this.naming = naming;
        }
    }

    private static final List<String> SPIN = List.of("--spsc", "--wait", "spin");

    /** Every scenario, in report order. */
    static final List<Scenario> ALL = List.of(
            throughput("pshm-java-spsc", Side.PSHM_JAVA, Side.PSHM_JAVA, Pace.FAST, SPIN),
            throughput("pshm-java-mpmc", Side.PSHM_JAVA, Side.PSHM_JAVA, Pace.FAST, List.of("--wait", "spin")),
            throughput("pshm-java-batch", Side.PSHM_JAVA, Side.PSHM_JAVA, Pace.FAST,
                    List.of("--spsc", "--wait", "spin", "--batch", "64")),
            throughput("pshm-java-copy", Side.PSHM_JAVA, Side.PSHM_JAVA, Pace.FAST,
                    List.of("--spsc", "--wait", "spin", "--copy")),
            throughput("pshm-java-standard", Side.PSHM_JAVA, Side.PSHM_JAVA, Pace.FAST,
                    List.of("--spsc", "--wait", "standard")),
            throughput("pshm-java-sleep", Side.PSHM_JAVA, Side.PSHM_JAVA, Pace.FAST, List.of("--spsc", "--wait", "sleep")),
            throughput("pshm-java-to-c", Side.PSHM_C, Side.PSHM_JAVA, Pace.FAST, SPIN),
            throughput("pshm-c-to-java", Side.PSHM_JAVA, Side.PSHM_C, Pace.FAST, SPIN),
            throughput("pshm-typed-java-to-c", Side.PSHM_C, Side.PSHM_JAVA, Pace.FAST,
                    List.of("--spsc", "--wait", "spin", "--typed")),
            throughput("pshm-c-spsc", Side.PSHM_C, Side.PSHM_C, Pace.FAST, SPIN),
            throughput("agrona", Side.AGRONA, Side.AGRONA, Pace.FAST, List.of()),
            throughput("uds", Side.UDS, Side.UDS, Pace.SLOW, List.of("--batch", "1")),
            throughput("uds-batch", Side.UDS, Side.UDS, Pace.FAST, List.of("--batch", "1024")),
            throughput("pipe", Side.PIPE, Side.PIPE, Pace.SLOW, List.of()),
            throughput("textbook", Side.TEXTBOOK, Side.TEXTBOOK, Pace.SLOW, List.of()),
            throughput("cring", Side.CRING, Side.CRING, Pace.FAST, List.of("--batch", "1")),
            throughput("cring-batch", Side.CRING, Side.CRING, Pace.FAST, List.of("--batch", "64")),

            fanOut("fanout1-pshm-java", Side.PSHM_JAVA, 1, List.of("--fanout", "block", "--wait", "spin")),
            fanOut("fanout2-pshm-java", Side.PSHM_JAVA, 2, List.of("--fanout", "block", "--wait", "spin")),
            fanOut("fanout4-pshm-java", Side.PSHM_JAVA, 4, List.of("--fanout", "block", "--wait", "spin")),
            fanOut("fanout2-pshm-java-overwrite", Side.PSHM_JAVA, 2, List.of("--fanout", "overwrite", "--wait", "spin")),
            fanOut("fanout1-aeron-ipc", Side.AERON, 1, List.of()),
            fanOut("fanout2-aeron-ipc", Side.AERON, 2, List.of()),
            fanOut("fanout4-aeron-ipc", Side.AERON, 4, List.of()),
            fanOut("fanout1-agrona-broadcast", Side.AGRONA, 1, List.of("--broadcast")),
            fanOut("fanout2-agrona-broadcast", Side.AGRONA, 2, List.of("--broadcast")),
            fanOut("fanout4-agrona-broadcast", Side.AGRONA, 4, List.of("--broadcast")),

            latency("pingpong-pshm-java-spin", Side.PSHM_JAVA, Pace.FAST, SPIN),
            latency("pingpong-pshm-java-standard", Side.PSHM_JAVA, Pace.FAST, List.of("--spsc", "--wait", "standard")),
            latency("pingpong-pshm-java-sleep", Side.PSHM_JAVA, Pace.SLOW, List.of("--spsc", "--wait", "sleep")),
            latency("pingpong-pshm-c-spin", Side.PSHM_C, Pace.FAST, SPIN),
            latency("pingpong-agrona", Side.AGRONA, Pace.FAST, List.of()),
            latency("pingpong-cring", Side.CRING, Pace.FAST, List.of()),
            latency("pingpong-uds", Side.UDS, Pace.SLOW, List.of()),
            latency("pingpong-pipe", Side.PIPE, Pace.SLOW, List.of()),
            latency("pingpong-textbook", Side.TEXTBOOK, Pace.SLOW, List.of()),

            idle("idle-cpu-java", Side.PSHM_JAVA, List.of()),
            idle("idle-cpu-jvm-floor", Side.PSHM_JAVA, List.of("--no-ring")),
            idle("idle-cpu-c", Side.PSHM_C, List.of()));

    Scenario {
        flags = List.copyOf(flags);
    }

    /** The role of the receiving side: {@code consume}, {@code pong}, or {@code consume} waiting idle. */
    String receiverRole() {
        return kind == Kind.LATENCY ? "pong" : "consume";
    }

    /** The role of the sending side: {@code produce} or {@code ping}; idle-CPU scenarios have none. */
    String senderRole() {
        return kind == Kind.LATENCY ? "ping" : "produce";
    }

    /** Whether the side that prints the {@code result} line is the sender ({@code ping}) rather than the receiver. */
    boolean senderReports() {
        return kind == Kind.LATENCY;
    }

    /** A short description of who talks to whom, for the report. */
    String pairing() {
        return switch (kind) {
            case IDLE_CPU -> receiver.label + (flags.contains("--no-ring")
                    ? " without a ring, a thread waking once a second" : " consume, nothing produced");
            case THROUGHPUT, LATENCY -> sender.label + " -> " + (consumers > 1 ? consumers + " x " : "") + receiver.label
                    + (flags.isEmpty() ? "" : " " + String.join(" ", flags));
        };
    }

    private static Scenario throughput(String name, Side receiver, Side sender, Pace pace, List<String> flags) {
        return new Scenario(name, Kind.THROUGHPUT, receiver, sender, pace, flags, 1, false);
    }

    /**
     * One producer, {@code consumers} receivers that each get the whole stream. Its figure is the
     * slowest receiver's rate; on 2 CPUs, more than one receiver means sides that share a CPU.
     */
    private static Scenario fanOut(String name, Side side, int consumers, List<String> flags) {
        return new Scenario(name, Kind.THROUGHPUT, side, side, Pace.FAST, flags, consumers, true);
    }

    private static Scenario latency(String name, Side side, Pace pace, List<String> flags) {
        return new Scenario(name, Kind.LATENCY, side, side, pace, flags, 1, false);
    }

    private static Scenario idle(String name, Side side, List<String> flags) {
        return new Scenario(name, Kind.IDLE_CPU, side, side, Pace.SLOW, flags, 1, false);
    }
}
