// SPDX-License-Identifier: Apache-2.0
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;

import java.nio.charset.StandardCharsets;

/** Creates the ring NAME, sends COUNT orders into it and closes it for writing; the ring stays for its consumer. */
public class OrdersProducer {
    public static void main(String[] args) throws InterruptedException {
        String name = args.length > 0 ? args[0] : "/orders";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        try (Ring ring = Ring.create(name, RingSpec.of(256, 64));
             Producer producer = ring.producer()) {
            for (int i = 0; i < count; i++) {
                producer.send(("order " + i).getBytes(StandardCharsets.UTF_8)); // waits while the ring is full
            }
            ring.closeForWriting(); // the consumer drains what is left, then sees the end
        }
        System.out.println("sent " + count + " orders to " + name);
    }
}
