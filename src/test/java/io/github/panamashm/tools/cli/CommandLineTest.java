// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.junit.PeerResult;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line as a user meets it: help on every command with a sentence per flag, a version,
 * one-line errors with status 2, and the same refusals, in the same words, as the C programs, made
 * before anything is created.
 */
class CommandLineTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private record Result(int status, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(status, out.toString(), err.toString());
    }

    @ParameterizedTest(name = "{0} --help")
    @ValueSource(strings = {"demo", "produce", "consume", "inspect", "watch", "ls", "rm", "gc", "conformance", "bench"})
    void everyCommandHasHelpThatDescribesEveryFlag(String command) {
        for (String flag : List.of("--help", "-h")) {
            Result help = run(command, flag);
            assertThat(help.status()).as(help.err()).isZero();
            assertThat(help.out()).startsWith("Usage: panama-shm " + command);
        }
        CommandLine.Model.CommandSpec spec = new CommandLine(new Main()).getSubcommands().get(command).getCommandSpec();
        assertThat(spec.usageMessage().description()).as("a summary and what it does").hasSizeGreaterThanOrEqualTo(2);
        for (CommandLine.Model.OptionSpec option : spec.options()) {
            assertThat(String.join(" ", option.description())).as(command + " " + option.longestName())
                    .matches("[A-Z].*\\.( .*)?");
        }
    }

    @Test
    void theTopLevelListsEveryCommandAndTheExitStatuses() {
        Result help = run("--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("demo", "produce", "consume", "inspect", "ls", "rm", "gc", "bench")
                .contains("Exit status").contains("3 the ring was truncated");
        Result none = run();
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err().strip().lines()).hasSize(1);
    }

    @Test
    void aMistypedCommandGetsTheNearestOne() {
        Result typo = run("prodce", "--ring", "/x");
        assertThat(typo.status()).isEqualTo(2);
        assertThat(typo.err().strip()).isEqualTo(
                "panama-shm: unknown command: 'prodce', did you mean 'produce'? (try 'panama-shm --help')");
    }

    @Test
    void versionNamesTheBuildAndTheRingLayout() {
        Result version = run("--version");
        assertThat(version.status()).isZero();
        assertThat(version.out()).startsWith("panama-shm ").contains("ring layout " + Ring.layoutVersion())
                .doesNotContain("${");
        String build = version.out().substring("panama-shm ".length()).split(",")[0];
        for (String program : List.of("shm-producer", "shm-consumer")) {
            PeerResult c = Processes.run(List.of(Processes.nativeProgram(program).toString(), "--version"), 30);
            assertThat(c.exitCode()).isZero();
            assertThat(c.output().strip()).isEqualTo(program + " (panama-shm " + build + "), ring layout " + Ring.layoutVersion());
        }
    }

    @Test
    void anErrorIsOneLineUnlessVerbose() {
        String absent = names.ring("absent");
        Result error = run("inspect", absent);
        assertThat(error.status()).isEqualTo(2);
        assertThat(error.err().strip().lines()).hasSize(1).first().asString()
                .startsWith("panama-shm inspect: ").contains(absent);
        Result verbose = run("inspect", absent, "--verbose");
        assertThat(verbose.status()).isEqualTo(2);
        assertThat(verbose.err()).contains("\tat io.github.panamashm.");
    }

    /** The refusal between the program's name and "(try ...)": what both languages must say alike. */
    private static final Pattern REFUSAL = Pattern.compile("^(?:shm-producer|shm-consumer|panama-shm produce|"
            + "panama-shm consume): (.*) \\(try .*\\)$");

    private static String refusal(String output) {
        List<String> lines = output.strip().lines().toList();
        assertThat(lines).as(output).hasSize(1);
        Matcher m = REFUSAL.matcher(lines.getFirst());
        assertThat(m.matches()).as(lines.getFirst()).isTrue();
        return m.group(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "produce --ring RING --count -5",
            "produce --ring RING --count 12x",
            "produce --ring RING --count \u0661\u0660",
            "produce --ring RING --size +64",
            "produce --ring RING --size 16-+32",
            "produce --ring RING --bogus",
            "produce --ring RING --count",
            "produce --count 3",
            "produce --ring bad-name",
            "produce --ring RING --slots 8",
            "produce --ring RING --create --slots 3",
            "produce --ring RING --create --size 100 --max-size 50",
            "produce --ring RING --pattern --size 8",
            "produce --ring RING --size 300-200",
            "produce --ring RING --timeout-ms -1",
            "produce --ring RING --size 2000000000",
            "produce --ring RING --wait-policy lazy",
            "produce --ring RING --create --fanout sideways",
            "produce --ring RING --create --fanout overwrite --single-consumer",
            "produce --ring RING --fanout",
            "consume --ring RING --wait-policy",
            "consume --ring RING --count -1",
            "consume --ring RING --verify --wait-ms x",
            "consume --ring RING --shared --nope"})
    void javaAndCRefuseTheSameCommandLinesAlikeBeforeCreatingAnything(String line) {
        String ring = names.ring("flags");
        String[] args = line.replace("RING", ring).split(" ");
        List<String> c = new ArrayList<>(List.of(Processes.nativeProgram(
                args[0].equals("produce") ? "shm-producer" : "shm-consumer").toString()));
        c.addAll(List.of(args).subList(1, args.length));
        PeerResult cResult = Processes.run(c, 30);
        Result java = run(args);
        assertThat(cResult.exitCode()).as("C: " + cResult.output()).isEqualTo(2);
        assertThat(java.status()).as("Java: " + java.err()).isEqualTo(2);
        assertThat(refusal(java.err())).isEqualTo(refusal(cResult.output()));
        assertThat(Files.exists(Path.of("/dev/shm" + ring))).as("nothing created").isFalse();
    }

    @ParameterizedTest(name = "{0} producer")
    @ValueSource(strings = {"C", "Java"})
    void aProducerBlockedOnAFullRingSaysSoOnItsProgressLine(String language) throws Exception {
        String ring = names.ring("full");
        try (Ring r = Ring.create(ring, io.github.panamashm.ring.RingSpec.of(8, 16))) {
            List<String> command = new ArrayList<>(language.equals("C")
                    ? List.of(Processes.nativeProgram("shm-producer").toString())
                    : Processes.javaCommand(Main.class, "produce"));
            command.addAll(List.of("--ring", ring, "--count", "20", "--size", "16", "--timeout-ms", "2500", "--progress"));
            var result = Processes.run(command, 60);
            assertThat(result.exitCode()).as(result.output()).isEqualTo(1); // stopped: no space for 2.5 s
            assertThat(result.output()).containsPattern("(shm-producer|produce): progress sent=8 seconds=\\d+ "
                    + "msgs_per_s=\\d+ \\(ring full, waiting for space\\)\n");
        }
    }

    @ParameterizedTest(name = "{0} consumer")
    @ValueSource(strings = {"C", "Java"})
    void progressLinesComeAboutOnceASecondWhenAskedForAndNotOtherwise(String language) throws Exception {
        for (boolean asked : new boolean[] {true, false}) {
            String ring = names.ring("progress");
            try (Ring r = Ring.create(ring, io.github.panamashm.ring.RingSpec.of(64, 16))) {
                List<String> command = new ArrayList<>(language.equals("C")
                        ? List.of(Processes.nativeProgram("shm-consumer").toString())
                        : Processes.javaCommand(Main.class, "consume"));
                command.addAll(List.of("--ring", ring, "--timeout-ms", "30000"));
                if (asked) {
                    command.add("--progress");
                }
                try (var consumer = Processes.start(command);
                     io.github.panamashm.ring.Producer producer = r.producer()) {
                    for (int i = 0; i < 2_500; i++) { // 1 ms apart: the run lasts over two seconds
                        producer.send(new byte[8]);
                        Thread.sleep(1);
                    }
                    r.closeForWriting();
                    var finished = consumer.awaitExit(Duration.ofSeconds(60));
                    assertThat(finished.exitCode()).as(finished.output()).isZero();
                    assertThat(finished.output()).contains("received=2500 ");
                    if (asked) {
                        assertThat(finished.output()).containsPattern("(shm-consumer|consume): progress received=\\d+ "
                                + "seconds=\\d+ msgs_per_s=\\d+\n");
                    } else {
                        assertThat(finished.output()).as("not a terminal, not asked").doesNotContain("progress");
                    }
                }
            }
        }
    }

    @Test
    void createOnAnExistingRingSaysSoInOneLine() {
        String ring = names.ring("exists");
        Result first = run("produce", "--ring", ring, "--create", "--count", "0");
        assertThat(first.status()).as(first.err()).isZero();
        Result again = run("produce", "--ring", ring, "--create", "--count", "0");
        assertThat(again.status()).isEqualTo(2);
        assertThat(again.err().strip()).isEqualTo("panama-shm produce: ring " + ring + " exists already (leave out"
                + " --create to use it, or remove it with: panama-shm rm " + ring + ")");
    }
}
