// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import java.lang.reflect.InvocationTargetException;

/**
 * The main class of the runnable jars. Compiled for Java 8, so that an older Java says what it needs
 * in a sentence instead of {@code UnsupportedClassVersionError}; on Java 22 or later it runs
 * {@link Main}, which is compiled for 22.
 */
public final class Launcher {

    private static final int NEEDED = 22;

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        String version = System.getProperty("java.specification.version", "0");
        int feature;
        try {
            feature = Integer.parseInt(version.startsWith("1.") ? version.substring(2) : version.split("\\.")[0]);
        } catch (NumberFormatException e) {
            feature = 0;
        }
        if (feature < NEEDED) {
            System.err.println("panama-shm: needs Java " + NEEDED + " or later (java.lang.foreign); this is Java "
                    + version + " in " + System.getProperty("java.home") + ". Run the jar with a JDK " + NEEDED
                    + "+ (for example /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -jar ...), or use bin/panama-shm,"
                    + " which finds one.");
            System.exit(2);
        }
        try {
            Class.forName("io.github.panamashm.tools.cli.Main").getMethod("main", String[].class)
                    .invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
