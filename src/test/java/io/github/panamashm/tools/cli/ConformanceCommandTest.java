// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code conformance} passes with the project's own programs as the peer, in C and in Java, and
 * fails, naming each scenario, with a peer that lies.
 */
class ConformanceCommandTest {

    private static final String COUNT = "5000";

    private record Result(int status, String out, String err) {
        List<String> lines(String verdict) {
            return out.lines().filter(line -> line.startsWith(verdict + "  ")).toList();
        }
    }

    private static Result conformance(String producer, String consumer, String... more) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> args = new java.util.ArrayList<>(List.of("conformance", "--producer", producer, "--consumer", consumer,
                "--count", COUNT));
        args.addAll(List.of(more));
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
        return new Result(status, out.toString(), err.toString());
    }

    private static List<String> scenarios() {
        StringWriter out = new StringWriter();
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "conformance", "--list"))
                .isZero();
        return out.toString().lines().toList();
    }

    /** A command line for sh, each word quoted. */
    private static String shell(List<String> words) {
        return words.stream().map(word -> "'" + word.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
    }

    private static void assertAllPass(Result result) {
        assertThat(result.lines("FAIL")).as(result.out() + result.err()).isEmpty();
        assertThat(result.lines("PASS")).hasSize(scenarios().size());
        assertThat(result.out()).contains(scenarios().size() + " passed, 0 failed");
        assertThat(result.status()).isZero();
    }

    @Test
    void theCProgramsAsThePeerPassEveryScenario() {
        assertAllPass(conformance(Processes.nativeProgram("shm-producer").toString(),
                Processes.nativeProgram("shm-consumer").toString()));
    }

    @Test
    void theJavaProgramsAsThePeerPassEveryScenario() {
        assertAllPass(conformance(shell(Processes.javaCommand(Main.class, "produce")),
                shell(Processes.javaCommand(Main.class, "consume"))));
    }

    @Test
    void aConsumerThatPrintsACleanSummaryWithoutReadingFailsEveryScenarioItTakesPartIn(@TempDir Path dir)
            throws IOException {
        Path liar = dir.resolve("lying-consumer");
        Files.writeString(liar, "#!/bin/sh\necho 'consumer:  received=" + COUNT + " lost=0 duplicated=0 out_of_order=0 "
                + "corrupt=0 seconds=0.001 msgs_per_s=5000000 checksum=0000000000000000'\n");
        Files.setPosixFilePermissions(liar, PosixFilePermissions.fromString("rwx------"));
        Result result = conformance(Processes.nativeProgram("shm-producer").toString(), liar.toString(),
                "--timeout-ms", "2000");

        Pattern withPeerConsumer = Pattern.compile("peer consumer|peer \\+ Java consumers");
        List<String> expectedToFail = scenarios().stream().filter(name -> withPeerConsumer.matcher(name).find()).toList();
        assertThat(expectedToFail).hasSizeGreaterThanOrEqualTo(12);
        assertThat(result.lines("FAIL")).as(result.out()).hasSize(expectedToFail.size());
        for (String scenario : expectedToFail) {
            assertThat(result.out()).contains("FAIL  " + scenario + ": ");
        }
        assertThat(result.lines("PASS")).hasSize(scenarios().size() - expectedToFail.size());
        assertThat(result.out()).contains((scenarios().size() - expectedToFail.size()) + " passed, "
                + expectedToFail.size() + " failed");
        assertThat(result.status()).isEqualTo(1);
    }

    private static Path script(Path dir, String name, String body) throws IOException {
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    @Test
    void aConsumerThatIgnoresVerifyFails(@TempDir Path dir) throws IOException {
        // a real consumer, attached and draining, that never checks a message: its checksum gives it away
        Path careless = script(dir, "careless-consumer", "for a; do shift; [ \"$a\" = --verify ] || set -- \"$@\" \"$a\"; done\n"
                + "exec " + Processes.nativeProgram("shm-consumer") + " \"$@\"\n");
        Result result = conformance(Processes.nativeProgram("shm-producer").toString(), careless.toString(),
                "--only", "C producer -> peer consumer, MPMC");
        assertThat(result.lines("FAIL")).as(result.out()).singleElement().asString()
                .contains("the consumers' checksums add up to 0000000000000000");
        assertThat(result.status()).isEqualTo(1);
    }

    @Test
    void aProducerThatSendsOneMessageFewerThanItSaysFails(@TempDir Path dir) throws IOException {
        Path shortChanging = script(dir, "short-producer", "for a; do shift\n"
                + "  if [ \"$prev\" = --count ]; then asked=$a; a=$((a - 1)); fi; prev=$a; set -- \"$@\" \"$a\"\ndone\n"
                + Processes.nativeProgram("shm-producer") + " \"$@\" | sed \"s/sent=$((asked - 1)) /sent=$asked /\"\n");
        Result result = conformance(shortChanging.toString(), Processes.nativeProgram("shm-consumer").toString(),
                "--only", "peer producer -> C consumer, MPMC");
        assertThat(result.lines("FAIL")).as(result.out()).singleElement().asString()
                .contains("the producers' checksums add up to");
        assertThat(result.status()).isEqualTo(1);
    }

    @Test
    void onlyRunsTheScenariosItNamesAndRefusesAPatternThatMatchesNone() {
        Result some = conformance(Processes.nativeProgram("shm-producer").toString(),
                Processes.nativeProgram("shm-consumer").toString(), "--only", "SIGKILL");
        assertThat(some.lines("PASS")).hasSize(6).allMatch(line -> line.contains("SIGKILL"));
        assertThat(some.status()).isZero();

        Result none = conformance("true", "true", "--only", "no such scenario");
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).contains("--only 'no such scenario' matches no scenario");
    }
}
