// SPDX-License-Identifier: Apache-2.0
package io.github.panamashm.ring;

/**
 * A typed open found another message type in the ring (or none): refused before anything was read
 * or written. The message names the first difference the way a person fixes it, in the same words
 * as the C library: {@code ring /orders carries order (32 bytes): field "price" is at offset 8 as
 * f64 there, at offset 16 here}.
 */
public final class MessageTypeMismatchException extends RingFormatException {

    private static final long serialVersionUID = 1L;

    MessageTypeMismatchException(String difference) {
        super(difference, true);
    }
}
