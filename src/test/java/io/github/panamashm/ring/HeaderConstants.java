// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The constants of {@code native-headers/panama_shm.h} and the Java constants that mirror them, for
 * the tests that hold one against the other (the C compiler's view, jextract's).
 */
final class HeaderConstants {

    /** Macros with no Java constant: C's wait policies are an enum, Java's are {@link WaitPolicy} objects. */
    static final Set<String> C_ONLY = Set.of("PSHM_WAIT_STANDARD", "PSHM_WAIT_SPIN", "PSHM_WAIT_SLEEP");

    private static final Pattern OBJECT_LIKE_MACRO = Pattern.compile("^\\s*#\\s*define\\s+(PSHM_[A-Z0-9_]+)(?:\\s|$)",
            Pattern.MULTILINE);

    private HeaderConstants() {
    }

    /** Every object-like {@code PSHM_} macro the header defines (function-like ones are not constants). */
    static Set<String> headerMacros() {
        Path header = Path.of(System.getProperty("panamashm.basedir", "."), "native-headers", "panama_shm.h");
        try {
            Matcher macro = OBJECT_LIKE_MACRO.matcher(Files.readString(header));
            Set<String> names = new TreeSet<>();
            while (macro.find()) {
                names.add(macro.group(1));
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The Java value of each mirrored macro, by C name: the integer constants of {@link RingLayout}
     * ({@code PSHM_} + its name; the struct offsets, which have no macro, are left to the struct
     * comparisons) and the timing constants the Java classes keep next to their code.
     */
    static Map<String, Long> javaMirrors() {
        Map<String, Long> mirrors = new TreeMap<>();
        for (Field field : RingLayout.class.getDeclaredFields()) {
            int modifiers = field.getModifiers();
            if (!Modifier.isStatic(modifiers) || !Modifier.isFinal(modifiers)
                    || !(field.getType() == int.class || field.getType() == long.class)
                    || field.getName().equals("LAYOUT_HASH")) { // computed by a function in both languages
                continue;
            }
            String name = switch (field.getName()) {
                case "ABANDONED_AFTER_NANOS" -> "PSHM_ABANDONED_AFTER_NS";
                default -> "PSHM_" + field.getName();
            };
            if (name.endsWith("_OFFSET") && !name.equals("PSHM_PEERS_OFFSET") && !name.equals("PSHM_CREATOR_LOCK_OFFSET")) {
                continue; // a struct field's offset: no macro
            }
            try {
                field.setAccessible(true);
                mirrors.put(name, ((Number) field.get(null)).longValue());
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
        mirrors.put("PSHM_STUCK_NS", Ring.STUCK_NANOS);
        mirrors.put("PSHM_STUCK_SLICE_NS", Ring.STUCK_NANOS); // Java sleeps for as long as it waits before asking
        mirrors.put("PSHM_SLEEP_SLICE_NS", Ring.SLEEP_SLICE_NANOS);
        mirrors.put("PSHM_UNFENCED_SLICE_NS", Doorbells.UNFENCED_SLICE_NANOS);
        mirrors.put("PSHM_CHECK_EVERY", (long) PeerEntry.CHECK_EVERY);
        mirrors.put("PSHM_CHECK_INTERVAL_NS", PeerEntry.CHECK_INTERVAL_NANOS);
        mirrors.put("PSHM_DEFAULT_SPIN_NS", WaitPolicy.STANDARD_SPIN.toNanos());
        return mirrors;
    }
}
