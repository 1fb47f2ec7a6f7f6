// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.tools.conformance.ConformanceSuite;
import io.github.panamashm.tools.conformance.Programs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code conformance}: checks a producer and a consumer written in another language against the
 * project's C and Java programs, through the command-line contract of docs/PROTOCOL.md §12.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, description = {"Check a third-party peer's producer and consumer.",
                "Run the peer's programs, which take the produce/consume flags of docs/PROTOCOL.md §12, through "
                        + "black-box scenarios against the C and Java programs: both directions, both ring kinds, 2-slot "
                        + "and roomy rings, shared streams, the peer as creator, sleeping peers, SIGKILLed peers and "
                        + "their recovery, damaged slots. One PASS or FAIL line per scenario with its evidence, then "
                        + "'N passed, N failed'; exit status 0 only if every scenario passed. Every ring it makes is "
                        + "removed."})
final class ConformanceCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--producer", paramLabel = "CMD", description = "The peer's producer: a shell command line to which "
            + "the flags are appended, e.g. './target/release/pshm-producer'.")
    private String producer;

    @Option(names = "--consumer", paramLabel = "CMD", description = "The peer's consumer, likewise.")
    private String consumer;

    @Option(names = "--count", paramLabel = "N", defaultValue = "100000",
            description = "Messages per producer in each stream (default: ${DEFAULT-VALUE}; the kill scenarios send 10 times "
                    + "as many).")
    private String count;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "5000",
            description = "The idle timeout every program gets: a producer that finds no space, a consumer that gets "
                    + "nothing for this long stops (default: ${DEFAULT-VALUE}).")
    private String timeoutMs;

    @Option(names = "--only", paramLabel = "REGEX", description = "Run only the scenarios whose name matches.")
    private String only;

    @Option(names = "--list", description = "List the scenarios and exit.")
    private boolean list;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Flags flags = new Flags(spec);
        long messages = flags.u64("--count", count);
        if (messages < 1000) {
            throw flags.bad("--count must be at least 1000 (a stream must fill and drain its rings)");
        }
        Duration idle = Duration.ofMillis(flags.millis("--timeout-ms", timeoutMs));
        Pattern selected;
        try {
            selected = only == null ? Pattern.compile("") : Pattern.compile(only);
        } catch (PatternSyntaxException e) {
            throw flags.bad("--only is not a regular expression: " + e.getDescription());
        }
        Programs programs = new Programs(producer, consumer, Main.javaCommand(),
                Main.nativeDirectory());
        ConformanceSuite suite = new ConformanceSuite(programs,
                new ConformanceSuite.Options(messages, idle, name -> selected.matcher(name).find()));
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            suite.names().forEach(out::println);
            return Main.EXIT_DONE;
        }
        if (producer == null || consumer == null) {
            throw flags.bad("--producer CMD and --consumer CMD are both required");
        }
        for (String program : List.of("shm-producer", "shm-consumer")) {
            if (!Files.isExecutable(Main.nativeDirectory().resolve(program))) {
                throw new IllegalStateException("the C program " + Main.nativeDirectory().resolve(program) + " is not built; "
                        + "run bin/panama-shm (it builds) or mvn package");
            }
        }
        if (suite.names().stream().noneMatch(name -> selected.matcher(name).find())) {
            throw flags.bad("--only '" + only + "' matches no scenario (see --list)");
        }
        return suite.run(out) == 0 ? Main.EXIT_DONE : Main.EXIT_INCOMPLETE;
    }
}
