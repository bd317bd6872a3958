/**
 * Helpers the library's own modules share, and that implementers of its SPIs may use; not for
 * applications. Today: {@link dev.closedloop.sync.spi.Listeners}, the one place where listeners
 * are called, each in isolation, and {@link dev.closedloop.sync.spi.Digests}, the one place where
 * SHA-256 (and the SHA-1 Redis names scripts by) and lowercase hex are computed.
 *
 * <p>Types here follow the same compatibility rules as the public API, but they are not what an
 * application calls: a mutation, a retry policy or a breaker never asks for one.
 */
@NullMarked
package dev.closedloop.sync.spi;

import org.jspecify.annotations.NullMarked;
