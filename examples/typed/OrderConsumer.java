// SPDX-License-Identifier: Apache-2.0
import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.MessageHandler;
import io.github.panamashm.ring.MessageType;
import io.github.panamashm.ring.Ring;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Reads struct orders from the typed ring NAME in place until its producer closes it, and checks
 * every field against what the example producers (order_producer.c, OrderProducer.java) write for
 * order i. The ring must carry OrderProducer's struct order: another order is refused at the open.
 */
public class OrderConsumer {
    public static void main(String[] args) throws InterruptedException {
        String name = args.length > 0 ? args[0] : "/orders-typed";
        MessageType type = MessageType.of(OrderProducer.ORDER);
        long[] counts = new long[2]; // received, wrong
        byte[] expected = new byte[8];
        byte[] symbol = new byte[8];
        try (Ring ring = Ring.open(name, Duration.ofSeconds(10), type);
             Consumer consumer = ring.consumer()) {
            MessageHandler check = (slots, at, length) -> {   // each order read where it lies, no copy
                long i = counts[0]++;
                java.util.Arrays.fill(expected, (byte) 0);
                byte[] text = String.format("ORD%04d", i % 10000).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(text, 0, expected, 0, text.length);
                MemorySegment.copy(slots, JAVA_BYTE, at + OrderProducer.SYMBOL, symbol, 0, symbol.length);
                if ((long) OrderProducer.ID.get(slots, at) != i || (double) OrderProducer.PRICE.get(slots, at) != i * 0.25
                        || (int) OrderProducer.QTY.get(slots, at) != i % 1000 || !java.util.Arrays.equals(symbol, expected)) {
                    counts[1]++;
                }
            };
            int handled;
            while ((handled = consumer.poll(check, 256, Duration.ofSeconds(30))) != Consumer.END_OF_STREAM) {
                if (handled == 0) {
                    throw new IllegalStateException("no order came for 30 s");
                }
            }
            ring.unlink();
        }
        System.out.println("received=" + counts[0] + " wrong=" + counts[1]);
        System.exit(counts[1] == 0 ? 0 : 1);
    }
}
