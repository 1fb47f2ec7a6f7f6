// SPDX-License-Identifier: Apache-2.0
/**
 * POSIX shared memory, named semaphores and a cross-language producer-consumer ring, called
 * directly through {@code java.lang.foreign}.
 *
 * <p>The public API is the exported packages:
 * <ul>
 *   <li>{@link io.github.panamashm.ring}: the bounded ring of fixed-size slots that Java and C
 *       processes share ({@code Ring}, {@code Producer}, {@code Consumer}, ...);</li>
 *   <li>{@link io.github.panamashm}: the POSIX objects underneath ({@code SharedMemory},
 *       {@code NamedSemaphore}, {@code PosixException});</li>
 *   <li>{@link io.github.panamashm.junit}: a JUnit 5 extension for tests that span processes and
 *       languages (it needs {@code junit-jupiter-api}, which the library does not require).</li>
 * </ul>
 * The layers below and above them are not exported and may change in any release:
 * {@code io.github.panamashm.internal.posix}, the libc bindings everything stands on, and
 * {@code io.github.panamashm.tools}, the command line and the test-traffic pattern, which stand on
 * the API like any user's code.
 *
 * <p>The module calls native code: run it with
 * {@code --enable-native-access=io.github.panamashm} (or {@code ALL-UNNAMED} on the class path),
 * otherwise the JDK prints a warning at the first native call (JDK 24+ says it will refuse).
 */
module io.github.panamashm {
    requires jdk.unsupported; // sun.misc.Signal: the command line ends on SIGINT/SIGTERM with its own status
    // the command line only, which bin/panama-shm and java -jar run with picocli; the library never loads it
    requires static info.picocli;
    opens io.github.panamashm.tools.cli to info.picocli;
    exports io.github.panamashm;
    exports io.github.panamashm.ring;
    exports io.github.panamashm.junit; // needs org.junit.jupiter.api, which the test code brings
    // not transitive: that would make every module reading this one need JUnit to compile
    requires static org.junit.jupiter.api;
}
