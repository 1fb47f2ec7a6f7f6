// SPDX-License-Identifier: Apache-2.0
/**
 * A JUnit 5 kit for integration tests that span processes and languages: {@link
 * io.github.panamashm.junit.RingExtension} gives each test fresh rings ({@link
 * io.github.panamashm.junit.TempRing}) and starts external peers ({@link io.github.panamashm.junit.Peers}),
 * and cleans up after them whatever happens. It needs {@code org.junit.jupiter:junit-jupiter-api} on
 * the test class path or module path, which the library itself does not require.
 */
package io.github.panamashm.junit;
