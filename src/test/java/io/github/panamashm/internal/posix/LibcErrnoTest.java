// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.internal.posix;

import io.github.panamashm.PosixException;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.Arena;

import static io.github.panamashm.internal.posix.PosixConstants.O_CREAT;
import static io.github.panamashm.internal.posix.PosixConstants.O_EXCL;
import static io.github.panamashm.internal.posix.PosixConstants.O_RDWR;
import static org.assertj.core.api.Assertions.assertThat;

/** The raw layer returns C's failure values and captures errno, with names and texts from the C library. */
class LibcErrnoTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    private static int shmOpen(String name, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return Libc.shmOpen(arena.allocateFrom(name), flags, 0600);
        }
    }

    @Test
    void missingObjectIsEnoent() {
        assertThat(shmOpen(names.shm("missing"), O_RDWR)).isEqualTo(-1);
        assertThat(Libc.errno()).isEqualTo(Errno.ENOENT);
    }

    @Test
    void exclusiveCreateOfExistingObjectIsEexist() {
        String name = names.shm("twice");
        int fd = shmOpen(name, O_RDWR | O_CREAT | O_EXCL);
        assertThat(fd).isGreaterThanOrEqualTo(0);
        try {
            assertThat(shmOpen(name, O_RDWR | O_CREAT | O_EXCL)).isEqualTo(-1);
            assertThat(Libc.errno()).isEqualTo(Errno.EEXIST);
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void slashInsideNameIsEinval() {
        assertThat(shmOpen("/pshm-t/inner", O_RDWR)).isEqualTo(-1);
        assertThat(Libc.errno()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void overlongNameIsEnametoolong() {
        // glibc: 256 characters is ENAMETOOLONG, longer ones overflow its buffer check and are EINVAL
        assertThat(shmOpen("/" + "x".repeat(256), O_RDWR)).isEqualTo(-1);
        assertThat(Libc.errno()).isEqualTo(Errno.ENAMETOOLONG);
    }

    @Test
    void exceptionCarriesFunctionObjectNumberNameAndText() {
        PosixException e = new PosixException("shm_open", "/orders", Errno.ENOENT);
        assertThat(e.function()).isEqualTo("shm_open");
        assertThat(e.objectName()).isEqualTo("/orders");
        assertThat(e.errno()).isEqualTo(2);
        assertThat(e.errnoName()).isEqualTo("ENOENT");
        assertThat(e.getMessage()).isEqualTo("shm_open(\"/orders\") failed: ENOENT (2) No such file or directory");
        assertThat(Errno.name(Errno.EACCES)).isEqualTo("EACCES");
        assertThat(Errno.name(Errno.ENAMETOOLONG)).isEqualTo("ENAMETOOLONG");
    }

    @Test
    void errnoIsPerThread() throws InterruptedException {
        assertThat(shmOpen(names.shm("absent"), O_RDWR)).isEqualTo(-1);
        Thread other = Thread.ofPlatform().start(() -> shmOpen("/a/b", O_RDWR));
        other.join();
        assertThat(Libc.errno()).isEqualTo(Errno.ENOENT);
    }
}
