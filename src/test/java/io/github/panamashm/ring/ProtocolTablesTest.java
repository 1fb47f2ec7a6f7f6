// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

import io.github.panamashm.testing.Layouts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/PROTOCOL.md is the specification other languages implement from: the byte tables of its
 * section 3 and the constants of its appendix are held against what the C compiler makes of
 * panama_shm.h (src/test/c/ring-probe.c), field by field and both ways, so that the document cannot
 * drift from the header (a table with a wrong offset, a field the table misses, a stale constant).
 */
class ProtocolTablesTest {

    private static Map<String, Long> c;
    private static String document;

    @BeforeAll
    static void read() throws IOException {
        c = Layouts.probe("ring-probe");
        Path basedir = Path.of(System.getProperty("panamashm.basedir", "."));
        document = Files.readString(basedir.resolve("docs/PROTOCOL.md"));
    }

    /** The rows of the first table after {@code heading}, each a list of its trimmed cells. */
    private static List<List<String>> table(String heading) {
        int at = document.indexOf("\n" + heading);
        assertThat(at).as("PROTOCOL.md has a section %s", heading).isNotNegative();
        List<List<String>> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : document.substring(at + 1).split("\n")) {
            if (line.startsWith("|")) {
                inTable = true;
                List<String> cells = new ArrayList<>();
                for (String cell : line.substring(1, line.length() - 1).split("\\|", -1)) {
                    cells.add(cell.trim());
                }
                if (!cells.stream().allMatch(cell -> cell.matches("[-:]+"))) { // not the |---|---:| line
                    rows.add(cells);
                }
            } else if (inTable) {
                break;
            }
        }
        assertThat(rows).as("the table of %s", heading).hasSizeGreaterThan(1);
        return rows.subList(1, rows.size()); // without the header row
    }

    private static final Pattern FIELD = Pattern.compile("`([a-z_]+)`(?: \\((\\d+) bytes\\))?");

    /** The fields a table of section 3 documents: name → {offset, size}; offsets relative to {@code base}. */
    private static Map<String, long[]> fields(String heading, int offsetColumn, int sizeColumn, int nameColumn, long base) {
        Map<String, long[]> fields = new LinkedHashMap<>();
        for (List<String> row : table(heading)) {
            Matcher name = FIELD.matcher(row.get(nameColumn));
            if (!name.lookingAt()) {
                continue; // e.g. the slot's payload, which is no field of the struct
            }
            long size = sizeColumn >= 0 ? Long.parseLong(row.get(sizeColumn))
                    : name.group(2) != null ? Long.parseLong(name.group(2)) : 8; // counters: u64 unless said
            fields.put(name.group(1), new long[] {Long.parseLong(row.get(offsetColumn)) - base, size});
        }
        return fields;
    }

    private static void assertStruct(String struct, Map<String, long[]> documented, Set<String> notInTable) {
        Set<String> inC = new TreeSet<>();
        String prefix = "offsetof " + struct + ".";
        c.keySet().stream().filter(key -> key.startsWith(prefix)).forEach(key -> inC.add(key.substring(prefix.length())));
        inC.removeAll(notInTable);
        assertThat(documented.keySet()).as("the fields PROTOCOL.md documents for %s", struct)
                .containsExactlyInAnyOrderElementsOf(inC);
        documented.forEach((field, offsetAndSize) -> {
            assertThat(offsetAndSize[0]).as("PROTOCOL.md: offset of %s.%s", struct, field)
                    .isEqualTo(c.get("offsetof " + struct + "." + field));
            assertThat(offsetAndSize[1]).as("PROTOCOL.md: size of %s.%s", struct, field)
                    .isEqualTo(c.get("sizeof " + struct + "." + field));
        });
    }

    @Test
    void theIdentityTableIsTheHeaders() {
        assertStruct("pshm_identity", fields("### 3.1", 0, 1, 3, 0), Set.of());
    }

    @Test
    void theCursorTableIsTheHeaders() {
        assertStruct("pshm_header", fields("### 3.2", 0, 1, 3, 0), Set.of("identity", "counters"));
    }

    @Test
    void theCounterTableIsTheHeaders() {
        assertStruct("pshm_counters", fields("### 3.3", 0, -1, 1, c.get("offsetof pshm_header.counters")), Set.of());
    }

    @Test
    void thePeerAndSlotTablesAreTheHeaders() {
        assertStruct("pshm_peer", fields("### 3.4", 0, 1, 3, 0), Set.of());
        assertStruct("pshm_slot", fields("### 3.5", 0, 1, 3, 0), Set.of());
        assertThat(c.get("sizeof pshm_peer")).as("entry i at 640 + 64 × i").isEqualTo(64);
        assertThat(c.get("sizeof pshm_header")).as("the peer table's offset").isEqualTo(640);
    }

    @Test
    void theTypeAreaTablesAreTheHeaders() {
        assertStruct("pshm_type_area", fields("### 3.8", 0, 1, 3, 0), Set.of());
        assertStruct("pshm_type_field", fields("Then `field_count` records", 0, 1, 3, 0), Set.of());
    }

    private static final Pattern NAME = Pattern.compile("`(PSHM_[A-Z0-9_/]+|_[A-Z0-9_]+)`");

    /** The appendix's constants: name → value, with "PSHM_A/B" and "`PSHM_X_A` / `_B`" spelled out. */
    private static Map<String, Long> appendix() {
        Map<String, Long> constants = new LinkedHashMap<>();
        for (List<String> row : table("## Appendix: constants")) {
            for (int pair = 0; pair + 1 < row.size(); pair += 3) {
                List<String> names = names(row.get(pair));
                if (row.get(pair).startsWith("layout hash")) {
                    names = List.of("PSHM_LAYOUT_HASH");
                }
                if (names.isEmpty()) {
                    continue; // e.g. the role lock bytes, said in words
                }
                String[] values = row.get(pair + 1).split(" / ");
                assertThat(values).as("values of %s", names).hasSize(names.size());
                for (int i = 0; i < names.size(); i++) {
                    constants.put(names.get(i), value(values[i]));
                }
            }
        }
        return constants;
    }

    private static List<String> names(String cell) {
        List<String> names = new ArrayList<>();
        Matcher matcher = NAME.matcher(cell);
        String first = null;
        while (matcher.find()) {
            String token = matcher.group(1);
            if (token.startsWith("_") && first != null) { // "`PSHM_VERSION_MAJOR` / `_MINOR`"
                names.add(first.substring(0, first.lastIndexOf('_')) + token);
                continue;
            }
            String[] parts = token.split("/");
            first = parts[0];
            names.add(first);
            String stem = first.substring(0, first.lastIndexOf('_') + 1);
            for (int i = 1; i < parts.length; i++) { // "PSHM_ROLE_NONE/PRODUCER/CONSUMER"
                names.add(stem + parts[i]);
            }
        }
        return names;
    }

    private static long value(String text) {
        String v = text.replaceAll("\\(.*\\)", "").replace("`", "").replace(" ", "").trim();
        if (v.startsWith("0x")) {
            return Long.parseUnsignedLong(v.substring(2), 16);
        }
        if (v.startsWith("2^")) {
            return 1L << Integer.parseInt(v.substring(2));
        }
        return Long.parseLong(v);
    }

    private static final Pattern TOKEN = Pattern.compile("`([^`]+)`");
    private static final Pattern SIZEOF = Pattern.compile("sizeof\\(struct (\\w+)\\)");
    private static final Pattern OFFSETOF = Pattern.compile("offsetof\\(struct (\\w+), (\\w+)\\)");

    /** The probe's keys for the names of a row of the operating-system appendix. */
    private static List<String> osKeys(String cell) {
        List<String> keys = new ArrayList<>();
        Matcher token = TOKEN.matcher(cell);
        String struct = null;
        String first = null;
        while (token.find()) {
            String t = token.group(1);
            Matcher sizeof = SIZEOF.matcher(t);
            Matcher offsetof = OFFSETOF.matcher(t);
            if (sizeof.matches()) {
                keys.add("sizeof " + sizeof.group(1));
            } else if (t.equals("sizeof(sem_t)")) {
                keys.add("const SIZEOF_SEM_T");
            } else if (offsetof.matches()) {
                struct = offsetof.group(1);
                keys.add("offsetof " + struct + "." + offsetof.group(2));
            } else if (struct != null && t.matches("[a-z_]+")) { // "... / `l_whence`": the same struct
                keys.add("offsetof " + struct + "." + t);
            } else if (t.startsWith("_") && first != null) {
                keys.add("const " + first.substring(0, first.lastIndexOf('_')) + t);
            } else {
                first = t;
                keys.add("const " + t.toUpperCase(java.util.Locale.ROOT)); // SYS_membarrier is SYS_MEMBARRIER there
            }
        }
        return keys;
    }

    @Test
    void theOperatingSystemAppendixIsWhatTheCLibraryHere() {
        Map<String, Long> libc = Layouts.probe("posix-probe");
        String arch = System.getProperty("os.arch");
        int column = arch.equals("aarch64") ? 2 : 1;
        assertThat(arch).as("a machine the appendix describes").isIn("amd64", "x86_64", "aarch64");
        int checked = 0;
        for (List<String> row : table("## Appendix: what the operating system gives")) {
            List<String> keys = osKeys(row.get(0));
            String cell = row.get(column).equals("same") ? row.get(1) : row.get(column);
            String[] values = cell.split(" / ");
            assertThat(values).as("values of %s", keys).hasSize(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                assertThat(libc).as("posix-probe prints %s", keys.get(i)).containsKey(keys.get(i));
                assertThat(value(values[i])).as("PROTOCOL.md: %s on %s", keys.get(i), arch).isEqualTo(libc.get(keys.get(i)));
                checked++;
            }
        }
        assertThat(checked).as("values checked").isGreaterThan(30);
    }

    @Test
    void theHeadersApiIndexNamesItsFunctionsAsTheyAreDefined() throws IOException {
        Path basedir = Path.of(System.getProperty("panamashm.basedir", "."));
        String header = Files.readString(basedir.resolve("native-headers/panama_shm.h"));
        String index = header.substring(header.indexOf(" * API."), header.indexOf("*/", header.indexOf(" * API.")));
        Matcher prototype = Pattern.compile("(?m)^ \\*     (\\S.*\\bpshm_\\w+\\(.*\\));$").matcher(index);
        int listed = 0;
        while (prototype.find()) {
            assertThat(header).as("panama_shm.h defines what its index lists").contains("static inline " + prototype.group(1) + " {");
            listed++;
        }
        assertThat(listed).as("functions in the index").isGreaterThan(20);
    }

    @Test
    void theAppendixGivesEveryConstantOfTheHeaderWithItsValue() {
        Map<String, Long> documented = appendix();
        Set<String> inC = new TreeSet<>();
        c.keySet().stream().filter(key -> key.startsWith("const ")).forEach(key -> inC.add(key.substring(6)));
        assertThat(documented.keySet()).as("the constants of PROTOCOL.md's appendix")
                .containsExactlyInAnyOrderElementsOf(inC);
        documented.forEach((name, value) -> assertThat(value).as("PROTOCOL.md: %s", name).isEqualTo(c.get("const " + name)));
    }
}
