// SPDX-License-Identifier: Apache-2.0
package example.typed;

import example.typed.generated.order;
import io.github.panamashm.ring.MessageType;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The typed example's producer on the class jextract generates from order.h (jextract.sh: {@code
 * jextract --target-package example.typed.generated --include-struct order order.h}): the layout and
 * the field accessors come from the header, nothing is written by hand. The ring carries the type
 * made from jextract's layout, so the C consumer, built from the same order.h, accepts it.
 */
public final class JextractOrderProducer {

    private JextractOrderProducer() {
    }

    /** Creates the typed ring {@code name}, writes {@code count} orders into its slots in place and closes it. */
    public static void produce(String name, int count) throws InterruptedException {
        MessageType type = MessageType.of(order.layout());
        int size = type.byteSize();
        byte[] symbol = new byte[(int) order.symbol$layout().byteSize()];
        try (Ring ring = Ring.create(name, RingSpec.of(256, type));
             Producer producer = ring.producer()) {
            MemorySegment slots = producer.buffer();
            for (int i = 0; i < count; i++) {
                MemorySegment o = slots.asSlice(producer.claim(size), order.layout()); // waits while the ring is full
                order.id(o, i);
                order.price(o, i * 0.25);
                order.qty(o, i % 1000);
                byte[] text = String.format("ORD%04d", i % 10000).getBytes(StandardCharsets.US_ASCII);
                java.util.Arrays.fill(symbol, (byte) 0);
                System.arraycopy(text, 0, symbol, 0, text.length);
                MemorySegment.copy(symbol, 0, order.symbol(o), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, symbol.length);
                producer.commit();
            }
            ring.closeForWriting();
        }
    }
}
