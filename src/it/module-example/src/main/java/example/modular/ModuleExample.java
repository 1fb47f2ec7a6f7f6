// SPDX-License-Identifier: Apache-2.0
package example.modular;

import io.github.panamashm.ring.Consumer;
import io.github.panamashm.ring.Producer;
import io.github.panamashm.ring.Ring;
import io.github.panamashm.ring.RingSpec;

import java.nio.charset.StandardCharsets;

/**
 * Uses panama-shm from the module path: one message through a ring, and a check that only the
 * documented packages are exported. Exits non-zero if either fails.
 */
public final class ModuleExample {

    public static void main(String[] args) throws InterruptedException {
        Module library = Ring.class.getModule();
        if (!library.isNamed() || !library.getName().equals("io.github.panamashm")) {
            fail("panama-shm is not on the module path: " + library);
        }
        if (!library.getDescriptor().exports().stream().map(e -> e.source()).sorted().toList()
                .equals(java.util.List.of("io.github.panamashm", "io.github.panamashm.junit", "io.github.panamashm.ring"))) {
            fail("unexpected exports: " + library.getDescriptor().exports());
        }
        String name = "/orders-module-" + ProcessHandle.current().pid();
        try (Ring ring = Ring.create(name, RingSpec.of(16, 64));
             Producer producer = ring.producer();
             Consumer consumer = ring.consumer()) {
            producer.send("hello from a module".getBytes(StandardCharsets.UTF_8));
            byte[] buffer = new byte[ring.maxMessageSize()];
            String received = new String(buffer, 0, consumer.receive(buffer), StandardCharsets.UTF_8);
            if (!received.equals("hello from a module")) {
                fail("received " + received);
            }
            System.out.println("module example: " + received + " (module " + library.getName() + ")");
        } finally {
            Ring.unlink(name);
        }
    }

    private static void fail(String why) {
        System.err.println("module example: " + why);
        System.exit(1);
    }
}
