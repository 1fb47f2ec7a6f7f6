// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code watch}: refreshes with rates, redrawn in place in a real terminal (tmux), and ends on Ctrl-C. */
class WatchTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    @Test
    void withoutATerminalEachRefreshFollowsTheLast() throws Exception {
        String name = names.ring("watch-pipe");
        try (Ring ring = Ring.create(name, RingSpec.of(64, 16)); Producer producer = ring.producer()) {
            producer.send(new byte[4]);
            StringWriter out = new StringWriter();
            int status = Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true),
                    "watch", name, "--count", "3", "--interval-ms", "100");
            assertThat(status).isZero();
            assertThat(out.toString()).doesNotContain("\u001b[");
            assertThat(Pattern.compile("ring " + Pattern.quote(name) + ": layout " + Ring.layoutVersion()).matcher(out.toString()).results())
                    .hasSize(3);
            assertThat(out.toString()).contains("depth=1").contains("rates: produced 0 msgs/s, consumed 0 msgs/s");
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    private static String shellQuoted(List<String> command) {
        return command.stream().map(word -> "'" + word.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
    }

    @Test
    void inATerminalTheViewIsRedrawnInPlaceWithRatesUntilCtrlC() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tmux")), "tmux is not installed (.ci/run installs it)");
        String name = names.ring("watch-tty");
        String session = "pshm-watch-" + ProcessHandle.current().pid();
        Path exit = Files.createTempFile("pshm-watch", ".status");
        try (Ring ring = Ring.create(name, RingSpec.of(1024, 16)); Producer producer = ring.producer()) {
            List<String> watch = new ArrayList<>(Processes.javaCommand(Main.class, "watch", name, "--interval-ms", "300"));
            run("tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "60",
                    shellQuoted(watch) + "; echo $? > " + exit);
            Thread producing = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 500 && !Thread.currentThread().isInterrupted(); i++) {
                        producer.send(new byte[8]);
                        Thread.sleep(5);
                    }
                } catch (InterruptedException | RuntimeException stopped) {
                    // the test is over
                }
            });
            String screen = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                Thread.sleep(200);
                screen = run("tmux", "capture-pane", "-p", "-t", session);
                if (screen.matches("(?s).*produced [1-9]\\d* msgs/s.*")) {
                    break;
                }
            }
            producing.interrupt();
            producing.join();
            assertThat(screen).as("the screen").contains("ring " + name + ": layout " + Ring.layoutVersion()).containsPattern(
                    "produced [1-9]\\d* msgs/s, consumed 0 msgs/s");
            assertThat(Pattern.compile("ring " + Pattern.quote(name) + ":").matcher(screen).results())
                    .as("redrawn in place, not scrolled: " + screen).hasSize(1);
            run("tmux", "send-keys", "-t", session, "C-c");
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.size(exit) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(Files.readString(exit).strip()).as("exit status after Ctrl-C").isEqualTo("0");
        } finally {
            run("tmux", "kill-session", "-t", session);
            Files.deleteIfExists(exit);
        }
    }
}
