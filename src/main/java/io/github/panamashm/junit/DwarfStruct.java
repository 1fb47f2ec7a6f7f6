// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.junit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A C struct as the compiler laid it out, read from the debug information ({@code readelf
 * --debug-dump=info}) of an object file that defines one variable of it: its size, its alignment is
 * probed apart, and its fields flattened to leaves with dotted names ({@code "inner.a"}), each with
 * its offset, size and kind. Arrays are leaves of their own; so are unions.
 */
final class DwarfStruct {

    /** What a leaf holds, as far as both a C type and a Java layout can tell. */
    enum Kind {
        INTEGER("integer"), FLOAT("floating-point"), POINTER("pointer"), ARRAY("array"), UNION("union");

        final String words;

        Kind(String words) {
            this.words = words;
        }
    }

    /** One leaf field: an array's {@code element} is the kind of its elements, else null. */
    record Field(String name, long offset, long size, Kind kind, Kind element) {
        String describe() {
            return "at offset " + offset + ", " + size + (size == 1 ? " byte" : " bytes") + ", "
                    + (kind == Kind.ARRAY && element != null ? "array of " + element.words : kind.words);
        }
    }

    private static final Pattern ENTRY = Pattern.compile("^\\s*<(\\d+)><([0-9a-f]+)>: Abbrev Number: \\d+ \\((DW_TAG_\\w+)\\)");
    private static final Pattern ATTRIBUTE = Pattern.compile("^\\s*<[0-9a-f]+>\\s+(DW_AT_\\w+)\\s*:\\s*(.*)$");
    private static final Pattern REFERENCE = Pattern.compile("<0x([0-9a-f]+)>");
    private static final Pattern PLUS_UCONST = Pattern.compile("DW_OP_plus_uconst: (\\d+)");
    private static final Pattern NUMBER = Pattern.compile("^(0x[0-9a-f]+|\\d+)");

    /** One debugging information entry, with the attributes this reader needs. */
    private static final class Die {
        final String tag;
        final Map<String, String> attributes = new HashMap<>();
        final List<Die> children = new ArrayList<>();

        Die(String tag) {
            this.tag = tag;
        }

        String name() {
            String value = attributes.get("DW_AT_name");
            if (value == null) {
                return null;
            }
            int colon = value.lastIndexOf("): "); // "(indirect string, offset: 0x3a): long int"
            return (colon >= 0 ? value.substring(colon + 3) : value).strip();
        }

        long number(String attribute) {
            String value = attributes.get(attribute);
            if (value == null) {
                return -1;
            }
            Matcher plus = PLUS_UCONST.matcher(value);
            if (plus.find()) {
                return Long.parseLong(plus.group(1));
            }
            Matcher number = NUMBER.matcher(value.strip());
            if (!number.find()) {
                return -1;
            }
            String text = number.group(1);
            return text.startsWith("0x") ? Long.parseLong(text.substring(2), 16) : Long.parseLong(text);
        }
    }

    final long size;
    final List<Field> fields;

    private DwarfStruct(long size, List<Field> fields) {
        this.size = size;
        this.fields = fields;
    }

    /** Reads the type of variable {@code variable} from readelf's dump; it must be a struct (through typedefs). */
    static DwarfStruct of(String readelfOutput, String variable) {
        Map<Long, Die> byOffset = new HashMap<>();
        List<Die> stack = new ArrayList<>();
        Die current = null;
        Die found = null;
        for (String line : readelfOutput.split("\n")) {
            Matcher entry = ENTRY.matcher(line);
            if (entry.find()) {
                int depth = Integer.parseInt(entry.group(1));
                current = new Die(entry.group(3));
                byOffset.put(Long.parseLong(entry.group(2), 16), current);
                while (stack.size() > depth) {
                    stack.removeLast();
                }
                if (!stack.isEmpty()) {
                    stack.getLast().children.add(current);
                }
                stack.add(current);
                continue;
            }
            Matcher attribute = ATTRIBUTE.matcher(line);
            if (attribute.find() && current != null) {
                current.attributes.put(attribute.group(1), attribute.group(2));
            }
        }
        for (Die die : byOffset.values()) {
            if (die.tag.equals("DW_TAG_variable") && variable.equals(die.name())) {
                found = die;
            }
        }
        if (found == null) {
            throw new IllegalStateException("the compiler's debug information has no variable " + variable);
        }
        Die type = resolve(byOffset, found);
        if (!type.tag.equals("DW_TAG_structure_type")) {
            throw new IllegalStateException("not a struct but a " + type.tag.substring("DW_TAG_".length()).replace('_', ' '));
        }
        List<Field> fields = new ArrayList<>();
        flatten(byOffset, type, "", 0, fields);
        return new DwarfStruct(type.number("DW_AT_byte_size"), fields);
    }

    /** The type of {@code die}, through typedefs and qualifiers. */
    private static Die resolve(Map<Long, Die> byOffset, Die die) {
        Die type = referenced(byOffset, die);
        while (type.tag.equals("DW_TAG_typedef") || type.tag.equals("DW_TAG_const_type")
                || type.tag.equals("DW_TAG_volatile_type") || type.tag.equals("DW_TAG_atomic_type")) {
            type = referenced(byOffset, type);
        }
        return type;
    }

    private static Die referenced(Map<Long, Die> byOffset, Die die) {
        String reference = die.attributes.get("DW_AT_type");
        Matcher m = reference == null ? null : REFERENCE.matcher(reference);
        if (m == null || !m.find() || !byOffset.containsKey(Long.parseLong(m.group(1), 16))) {
            throw new IllegalStateException("cannot follow the type of " + die.name());
        }
        return byOffset.get(Long.parseLong(m.group(1), 16));
    }

    private static void flatten(Map<Long, Die> byOffset, Die struct, String prefix, long base, List<Field> out) {
        for (Die member : struct.children) {
            if (!member.tag.equals("DW_TAG_member")) {
                continue;
            }
            if (member.attributes.containsKey("DW_AT_bit_size")) {
                throw new IllegalStateException("field " + prefix + member.name() + " is a bit-field, which a Java "
                        + "layout cannot describe");
            }
            Die type = resolve(byOffset, member);
            long offset = base + Math.max(0, member.number("DW_AT_data_member_location"));
            if (member.name() == null) { // an anonymous struct or union: its fields belong to this one
                if (type.tag.equals("DW_TAG_structure_type")) {
                    flatten(byOffset, type, prefix, offset, out);
                } else {
                    out.add(new Field(prefix + "(anonymous union)", offset, type.number("DW_AT_byte_size"), Kind.UNION,
                            null));
                }
                continue;
            }
            String name = prefix + member.name();
            if (type.tag.equals("DW_TAG_structure_type")) {
                flatten(byOffset, type, name + ".", offset, out);
            } else {
                out.add(leaf(byOffset, name, offset, type));
            }
        }
    }

    private static Field leaf(Map<Long, Die> byOffset, String name, long offset, Die type) {
        return switch (type.tag) {
            case "DW_TAG_base_type" -> new Field(name, offset, type.number("DW_AT_byte_size"),
                    type.attributes.getOrDefault("DW_AT_encoding", "").contains("float") ? Kind.FLOAT : Kind.INTEGER, null);
            case "DW_TAG_enumeration_type" -> new Field(name, offset, type.number("DW_AT_byte_size"), Kind.INTEGER, null);
            case "DW_TAG_pointer_type" -> new Field(name, offset, type.number("DW_AT_byte_size"), Kind.POINTER, null);
            case "DW_TAG_union_type" -> new Field(name, offset, type.number("DW_AT_byte_size"), Kind.UNION, null);
            case "DW_TAG_array_type" -> array(byOffset, name, offset, type);
            default -> throw new IllegalStateException("field " + name + " has a type this reader does not know: " + type.tag);
        };
    }

    private static Field array(Map<Long, Die> byOffset, String name, long offset, Die array) {
        long count = 1;
        for (Die range : array.children) {
            if (range.tag.equals("DW_TAG_subrange_type")) {
                long n = range.attributes.containsKey("DW_AT_count") ? range.number("DW_AT_count")
                        : range.number("DW_AT_upper_bound") + 1;
                count *= Math.max(0, n);
            }
        }
        Die element = resolve(byOffset, array);
        Field first = element.tag.equals("DW_TAG_structure_type")
                ? new Field(name, offset, element.number("DW_AT_byte_size"), Kind.UNION, null)
                : leaf(byOffset, name, offset, element);
        Kind elementKind = element.tag.equals("DW_TAG_structure_type") ? null : first.kind();
        return new Field(name, offset, count * first.size(), Kind.ARRAY, elementKind);
    }
}
