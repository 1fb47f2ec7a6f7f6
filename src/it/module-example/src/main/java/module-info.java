// SPDX-License-Identifier: Apache-2.0
/** A user's module: it needs only the library's module. */
module example.modular {
    requires io.github.panamashm;
}
