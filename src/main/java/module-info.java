/**
 * POSIX shared memory, named semaphores and a cross-language producer-consumer ring, called
 * directly through {@code java.lang.foreign}.
 */
module io.github.panamashm {
    exports io.github.panamashm;
    exports io.github.panamashm.posix;
}
