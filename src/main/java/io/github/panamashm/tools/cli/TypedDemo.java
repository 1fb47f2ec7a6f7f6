// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.ring.Ring;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code demo --typed}: the example of examples/typed run as its README says — the C consumer built
 * from order.h with the system's C compiler, the Java producer run as a source file — on a typed
 * ring; then a consumer built from an order.h whose {@code qty} became a {@code float}, refused when
 * it opens the ring, with the field named.
 */
final class TypedDemo {

    private static final long PROCESS_TIMEOUT_SECONDS = 300;
    /** What the changed order.h changes, and what the changed consumer must be told. */
    private static final String QTY = "    int32_t qty;\n";
    private static final String FLOAT_QTY = "    float qty;     /* changed: the Java producer still writes an int32_t */\n";
    private static final String REFUSAL = "field \"qty\" is i32 there, f32 here";

    private TypedDemo() {
    }

    static int run(long count, PrintWriter out) throws InterruptedException {
        Path root = Main.nativeDirectory().getParent().getParent();
        Path example = root.resolve("examples/typed");
        Path headers = root.resolve("native-headers");
        if (!Files.isRegularFile(example.resolve("order.h")) || !Files.isRegularFile(headers.resolve("panama_shm.h"))) {
            throw new IllegalStateException("demo --typed builds examples/typed with native-headers, which are not in "
                    + root + ": run it from a clone of the project");
        }
        long pid = ProcessHandle.current().pid();
        String name = "/panama-shm-demo-typed-" + pid;
        String refusedName = name + "-changed";
        Path work = null;
        try {
            work = Files.createTempDirectory("panama-shm-typed-demo");
            out.printf("panama-shm demo --typed: ring %s carries struct order (examples/typed/order.h); a Java producer"
                    + " writes %,d orders into its slots in place, a C consumer reads them in place%n", name, count);
            Path consumer = compile(example.resolve("order_consumer.c"), example, headers, work.resolve("order-consumer"));
            out.println("  built the C consumer: " + String.join(" ", compileCommand(root.relativize(
                    example.resolve("order_consumer.c")), root.relativize(example), root.relativize(headers),
                    Path.of("order-consumer"))));
            Process reader = start(List.of(consumer.toString(), name));
            Result produced = runBeside(producerCommand(example, name, count), reader);
            Result consumed = finish(reader);
            out.println("  Java producer : " + produced.lastLine());
            out.println("  C consumer    : " + consumed.lastLine());
            boolean intact = produced.status() == 0 && consumed.status() == 0
                    && consumed.lastLine().equals("received=" + count + " wrong=0");
            out.println("  " + (intact ? "every field of every order arrived as written"
                    : "MISMATCH: see the lines above"));

            Path changed = Files.createDirectories(work.resolve("changed"));
            String header = Files.readString(example.resolve("order.h"));
            if (!header.contains(QTY)) {
                throw new IllegalStateException(example.resolve("order.h") + " no longer declares " + QTY.strip());
            }
            Files.writeString(changed.resolve("order.h"), header.replace(QTY, FLOAT_QTY));
            Files.copy(example.resolve("order_consumer.c"), changed.resolve("order_consumer.c"));
            Path changedConsumer = compile(changed.resolve("order_consumer.c"), changed, headers,
                    work.resolve("order-consumer-changed"));
            out.printf("Now a C consumer built from an order.h where qty is a float, on ring %s:%n", refusedName);
            Process refused = start(List.of(changedConsumer.toString(), refusedName));
            Result empty = runBeside(producerCommand(example, refusedName, 0), refused);
            Result refusal = finish(refused);
            out.println("  C consumer    : " + refusal.lastLine());
            boolean caught = empty.status() == 0 && refusal.status() == 1 && refusal.lastLine().contains(REFUSAL);
            out.println("  " + (caught ? "refused before it read anything: the type in the ring is not the one it was"
                    + " built with" : "NOT REFUSED as expected"));
            return intact && caught ? Main.EXIT_DONE : Main.EXIT_INCOMPLETE;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            Ring.unlink(name);
            Ring.unlink(refusedName);
            deleteQuietly(work);
        }
    }

    private record Result(int status, String output) {
        String lastLine() {
            String text = output.strip();
            return text.substring(text.lastIndexOf('\n') + 1);
        }
    }

    private static List<String> compileCommand(Path source, Path includes, Path headers, Path program) {
        return List.of(System.getenv().getOrDefault("CC", "cc"), "-std=c11", "-O2", "-I" + headers, "-I" + includes,
                "-o", program.toString(), source.toString());
    }

    private static Path compile(Path source, Path includes, Path headers, Path program) throws InterruptedException {
        Result built = run(compileCommand(source, includes, headers, program));
        if (built.status() != 0) {
            throw new IllegalStateException("cannot build " + source + " (install a C compiler, e.g. Debian's gcc, or"
                    + " set CC): " + built.output().strip());
        }
        return program;
    }

    /** The example's producer, run from its source file as examples/typed's README says. */
    private static List<String> producerCommand(Path example, String ring, long count) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", Main.codePath().toString(),
                example.resolve("OrderProducer.java").toString(), ring, Long.toString(count));
    }

    private static Process start(List<String> command) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command.getFirst() + ": " + e.getMessage(), e);
        }
    }

    private static Result run(List<String> command) throws InterruptedException {
        return finish(start(command));
    }

    /** Runs a producer; if its consumer dies meanwhile, the producer would wait for room for ever: stop it. */
    private static Result runBeside(List<String> command, Process consumer) throws InterruptedException {
        Process producer = start(command);
        long consumerGone = 0;
        while (!producer.waitFor(100, TimeUnit.MILLISECONDS)) {
            if (consumer.isAlive()) {
                continue;
            }
            if (consumerGone == 0) {
                consumerGone = System.nanoTime();
            } else if (System.nanoTime() - consumerGone > TimeUnit.SECONDS.toNanos(2)) {
                producer.destroy();
            }
        }
        return finish(producer);
    }

    private static Result finish(Process process) throws InterruptedException {
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, output + "\n(timed out)");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            process.destroyForcibly();
            return new Result(-1, "(output lost: " + e.getMessage() + ")");
        }
    }

    private static void deleteQuietly(Path directory) {
        if (directory == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: the system cleans it up eventually
        }
    }
}
