// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm;

import io.github.panamashm.testing.PeerMain;
import io.github.panamashm.testing.Processes;
import io.github.panamashm.testing.ShmNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SharedMemoryTest {

    @RegisterExtension
    final ShmNames names = new ShmNames();

    @Test
    void writtenInOneJvmIsReadInAnotherAndBack() {
        String name = names.shm("xproc");
        try (SharedMemory shm = SharedMemory.create(name, 3 * 4096 + 17)) {
            PeerMain.fill(shm.segment(), 7);
            var peer = Processes.run(Processes.javaCommand(PeerMain.class, "shm-check-and-answer", name, "7"), 60)
                    .requireSuccess();
            assertThat(peer.output()).contains("size=" + (3 * 4096 + 17) + " mismatch=-1");
            assertThat(PeerMain.firstMismatch(shm.segment(), 8)).isEqualTo(-1);
        }
    }

    @Test
    void openTakesTheSizeFromTheObject() {
        String name = names.shm("size");
        try (SharedMemory created = SharedMemory.create(name, 10_000);
             SharedMemory opened = SharedMemory.open(name)) {
            assertThat(opened.size()).isEqualTo(10_000);
            assertThat(opened.currentSize()).isEqualTo(10_000);
            created.segment().set(ValueLayout.JAVA_LONG, 8, 42L);
            assertThat(opened.segment().get(ValueLayout.JAVA_LONG, 8)).isEqualTo(42L);
            assertThat(opened.segment().get(ValueLayout.JAVA_BYTE, 9_999)).isZero();
        }
    }

    @Test
    void modeIsExactlyWhatWasAskedDespiteTheUmask() throws IOException {
        String defaultName = names.shm("mode");
        String wideName = names.shm("mode");
        try (SharedMemory ignored = SharedMemory.create(defaultName, 4096);
             SharedMemory ignored2 = SharedMemory.create(wideName, 4096, 0666)) {
            assertThat(permissions(defaultName)).isEqualTo("rw-------");
            assertThat(permissions(wideName)).isEqualTo("rw-rw-rw-");
        }
    }

    private static String permissions(String name) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of("/dev/shm" + name)));
    }

    @Test
    void createOfAnExistingNameIsEexistAndLeavesTheObjectAlone() {
        String name = names.shm("exists");
        try (SharedMemory first = SharedMemory.create(name, 4096)) {
            first.segment().set(ValueLayout.JAVA_INT, 0, 99);
            assertThatThrownBy(() -> SharedMemory.create(name, 8192))
                    .isInstanceOfSatisfying(PosixException.class, e -> {
                        assertThat(e.errnoName()).isEqualTo("EEXIST");
                        assertThat(e.function()).isEqualTo("shm_open");
                        assertThat(e.objectName()).isEqualTo(name);
                    });
            try (SharedMemory again = SharedMemory.open(name)) {
                assertThat(again.size()).isEqualTo(4096);
                assertThat(again.segment().get(ValueLayout.JAVA_INT, 0)).isEqualTo(99);
            }
        }
    }

    @Test
    void openOfAMissingNameIsEnoent() {
        String name = names.shm("missing");
        assertThatThrownBy(() -> SharedMemory.open(name))
                .isInstanceOf(PosixException.class)
                .hasMessage("shm_open(\"" + name + "\") failed: ENOENT (2) No such file or directory");
    }

    @Test
    void badNamesAndSizesAreRejectedBeforeAnyCall() {
        assertThatThrownBy(() -> SharedMemory.create("no-slash", 4096))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must start with '/'");
        assertThatThrownBy(() -> SharedMemory.open("/a/b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only as its first character");
        assertThatThrownBy(() -> SharedMemory.open("/" + "n".repeat(256)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 255");
        assertThatThrownBy(() -> SharedMemory.open("/"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SharedMemory.open("/a\0b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> SharedMemory.create(names.shm("size"), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("size must be positive");
    }

    @Test
    void useAfterCloseThrowsInsteadOfTouchingUnmappedMemory() {
        String name = names.shm("closed");
        SharedMemory shm = SharedMemory.create(name, 4096);
        var segment = shm.segment();
        shm.close();
        shm.close();
        assertThat(shm.isClosed()).isTrue();
        assertThatThrownBy(() -> segment.get(ValueLayout.JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> shm.tryLock(0, 1)).isInstanceOf(IllegalStateException.class);
        assertThat(SharedMemory.unlinkIfExists(name)).isTrue();
        assertThat(SharedMemory.unlinkIfExists(name)).isFalse();
    }

    @Test
    void readOnlyMappingRefusesWrites() {
        String name = names.shm("ro");
        try (SharedMemory ignored = SharedMemory.create(name, 4096);
             SharedMemory readOnly = SharedMemory.openReadOnly(name)) {
            assertThat(readOnly.isReadOnly()).isTrue();
            assertThat(readOnly.segment().get(ValueLayout.JAVA_LONG, 0)).isZero();
            assertThatThrownBy(() -> readOnly.segment().set(ValueLayout.JAVA_LONG, 0, 1L))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void unlinkedObjectStaysMappedButCannotBeOpened() {
        String name = names.shm("unlinked");
        try (SharedMemory shm = SharedMemory.create(name, 4096)) {
            shm.unlink();
            shm.segment().set(ValueLayout.JAVA_LONG, 0, 5L);
            assertThat(shm.segment().get(ValueLayout.JAVA_LONG, 0)).isEqualTo(5L);
            assertThatThrownBy(() -> SharedMemory.open(name))
                    .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOENT"));
        }
    }

    @Test
    void openFileDescriptionLocksShowWhoIsAlive() {
        String name = names.shm("lock");
        try (SharedMemory holder = SharedMemory.create(name, 4096);
             SharedMemory observer = SharedMemory.open(name)) {
            assertThat(observer.isLockedByOthers(100, 1)).isFalse();
            assertThat(holder.tryLock(100, 1)).isTrue();
            assertThat(observer.isLockedByOthers(100, 1)).isTrue();
            assertThat(observer.tryLock(100, 1)).isFalse();
            assertThat(observer.isLockedByOthers(101, 1)).isFalse();
            holder.close();
            assertThat(observer.isLockedByOthers(100, 1)).isFalse();
            assertThat(observer.tryLock(100, 1)).isTrue();
        }
    }

    @Test
    void anotherUserCannotOpenAnOwnerOnlyObject(@TempDir Path copy) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root to run the peer as user nobody with setpriv");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux) to change user");
        // the peer runs as nobody, who may not read the build directory: give it a world-readable copy
        Path classes = copyTree(Path.of(System.getProperty("panamashm.classes.dir")), copy.resolve("classes"));
        Path testClasses = copyTree(Path.of(System.getProperty("panamashm.test.classes.dir")), copy.resolve("test-classes"));
        makeWorldReadable(copy);
        String name = names.shm("eacces");
        try (SharedMemory ignored = SharedMemory.create(name, 4096)) {
            List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                    "--clear-groups", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", classes + java.io.File.pathSeparator + testClasses,
                    PeerMain.class.getName(), "shm-open", name));
            var peer = Processes.run(command, 60);
            assumeTrue(!peer.output().contains("setpriv:"), "setpriv refused here: " + peer.output());
            peer.requireSuccess();
            assertThat(peer.output()).contains("error EACCES shm_open(\"" + name + "\") failed: EACCES (13) Permission denied");
        }
    }

    private static Path copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Files.copy(path, to.resolve(from.relativize(path).toString()));
            }
        }
        return to;
    }

    private static void makeWorldReadable(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Set<PosixFilePermission> permissions = new HashSet<>(Files.getPosixFilePermissions(path));
                permissions.add(PosixFilePermission.OTHERS_READ);
                if (Files.isDirectory(path)) {
                    permissions.add(PosixFilePermission.OTHERS_EXECUTE);
                }
                Files.setPosixFilePermissions(path, permissions);
            }
        }
    }
}
