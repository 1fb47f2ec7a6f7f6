// SPDX-License-Identifier: Apache-2.0
import io.github.panamashm.ring.MessageType;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Creates the typed ring NAME, which carries struct order (examples/typed/order.h), and writes COUNT
 * orders into its slots in place. A consumer built from another order.h is refused when it opens the
 * ring, with the field that differs named.
 */
public class OrderProducer {
    /** struct order, field by field as C lays it out (a test holds it to the C compiler's layout). */
    static final StructLayout ORDER = MemoryLayout.structLayout(
            JAVA_LONG.withName("id"),
            JAVA_DOUBLE.withName("price"),
            JAVA_INT.withName("qty"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("symbol"),
            MemoryLayout.paddingLayout(4)).withName("order");
    static final VarHandle ID = ORDER.varHandle(groupElement("id"));
    static final VarHandle PRICE = ORDER.varHandle(groupElement("price"));
    static final VarHandle QTY = ORDER.varHandle(groupElement("qty"));
    static final long SYMBOL = ORDER.byteOffset(groupElement("symbol"));

    public static void main(String[] args) throws InterruptedException {
        String name = args.length > 0 ? args[0] : "/orders-typed";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        MessageType type = MessageType.of(ORDER);   // name, size, alignment and fields, stored in the ring
        int size = type.byteSize();
        byte[] symbol = new byte[8];
        try (Ring ring = Ring.create(name, RingSpec.of(256, type));
             Producer producer = ring.producer()) {
            MemorySegment slots = producer.buffer();
            for (int i = 0; i < count; i++) {
                long at = producer.claim(size);   // the order's place in the ring; waits while it is full
                ID.set(slots, at, (long) i);
                PRICE.set(slots, at, i * 0.25);
                QTY.set(slots, at, i % 1000);
                byte[] text = String.format("ORD%04d", i % 10000).getBytes(StandardCharsets.US_ASCII);
                java.util.Arrays.fill(symbol, (byte) 0);
                System.arraycopy(text, 0, symbol, 0, text.length);
                MemorySegment.copy(symbol, 0, slots, JAVA_BYTE, at + SYMBOL, symbol.length);
                producer.commit();                // now the consumer may read it
            }
            ring.closeForWriting();               // the consumer drains what is left, then sees the end
        }
        System.out.println("sent " + count + " orders to " + name);
    }
}
