// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The files a side created, deleted on every way out (SIGTERM included, from a shutdown hook). */
final class CreatedFiles {

    private final String side;
    private final List<Path> paths = new CopyOnWriteArrayList<>();

    CreatedFiles(String side) {
        this.side = side;
    }

    void add(Path path) {
        paths.add(path);
    }

    void deleteAll() {
        for (Path path : paths) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                System.err.println(side + ": cannot delete " + path + ": " + e.getMessage());
            }
        }
    }
}
