// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.tools.cli;

import io.github.panamashm.ring.MessageType;

import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * A message as a person reads it: a typed ring's field by field ({@code id=7, price=0.25,
 * symbol="ORD0007"}), any other as hex. The values are those of {@link MessageType.Field}'s kinds:
 * integers (unsigned ones as unsigned), floats, and byte arrays as text when they are printable ASCII
 * up to their first NUL, else as hex.
 */
final class MessageText {

    /** Bytes of an untyped message shown in hex; the rest is counted. */
    static final int HEX_BYTES = 64;

    private final MessageType type;

    MessageText(MessageType type) {
        this.type = type;
    }

    /** The fields' values by name, in the type's order; for an untyped ring, {@code hex} and {@code length}. */
    Map<String, Object> values(MemorySegment buffer, long at, int length) {
        Map<String, Object> values = new LinkedHashMap<>();
        if (type == null) {
            values.put("length", length);
            values.put("hex", HexFormat.of().formatHex(buffer.asSlice(at, Math.min(length, HEX_BYTES)).toArray(JAVA_BYTE)));
            return values;
        }
        for (MessageType.Field field : type.fields()) {
            values.put(field.name(), value(buffer, at + field.offset(), field));
        }
        return values;
    }

    /** One line: {@code order {id=7, price=0.25, symbol="ORD0007"}}, or {@code 12 bytes: 48656c6c6f...}. */
    String line(MemorySegment buffer, long at, int length) {
        Map<String, Object> values = values(buffer, at, length);
        if (type == null) {
            return length + " bytes: " + values.get("hex") + (length > HEX_BYTES ? "..." : "");
        }
        StringBuilder text = new StringBuilder(type.name()).append(" {");
        values.forEach((name, value) -> text.append(text.charAt(text.length() - 1) == '{' ? "" : ", ")
                .append(name).append('=').append(value instanceof String s ? '"' + s + '"' : value));
        return text.append('}').toString();
    }

    private static Object value(MemorySegment buffer, long at, MessageType.Field field) {
        if (field.kind() == MessageType.Kind.BYTES) {
            return bytes(buffer.asSlice(at, field.size()).toArray(JAVA_BYTE));
        }
        int count = field.size() / field.elementSize();
        if (count == 1) {
            return element(buffer, at, field);
        }
        List<Object> elements = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            elements.add(element(buffer, at + (long) i * field.elementSize(), field));
        }
        return elements;
    }

    private static Object element(MemorySegment buffer, long at, MessageType.Field field) {
        boolean unsigned = field.kind() == MessageType.Kind.UNSIGNED;
        return switch (field.kind()) {
            case FLOAT -> {
                double value = field.elementSize() == 4 ? buffer.get(JAVA_FLOAT_UNALIGNED, at)
                        : buffer.get(JAVA_DOUBLE_UNALIGNED, at);
                yield Double.isFinite(value) ? (Object) value : Double.toString(value); // JSON has no NaN
            }
            case SIGNED, UNSIGNED -> switch (field.elementSize()) {
                case 1 -> unsigned ? Byte.toUnsignedInt(buffer.get(JAVA_BYTE, at)) : buffer.get(JAVA_BYTE, at);
                case 2 -> unsigned ? Short.toUnsignedInt(buffer.get(JAVA_SHORT_UNALIGNED, at))
                        : buffer.get(JAVA_SHORT_UNALIGNED, at);
                case 4 -> unsigned ? Integer.toUnsignedLong(buffer.get(JAVA_INT_UNALIGNED, at))
                        : buffer.get(JAVA_INT_UNALIGNED, at);
                default -> {
                    long value = buffer.get(JAVA_LONG_UNALIGNED, at);
                    yield unsigned && value < 0 ? new BigInteger(Long.toUnsignedString(value)) : (Object) value;
                }
            };
            case BYTES -> throw new AssertionError("bytes are read whole");
        };
    }

    /** Printable ASCII up to the first NUL, then only NULs: the text; else {@code 0x} and hex. */
    private static String bytes(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            if (bytes[end] < 0x20 || bytes[end] > 0x7e) {
                return "0x" + HexFormat.of().formatHex(bytes);
            }
            end++;
        }
        for (int i = end; i < bytes.length; i++) {
            if (bytes[i] != 0) {
                return "0x" + HexFormat.of().formatHex(bytes);
            }
        }
        return new String(bytes, 0, end, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
