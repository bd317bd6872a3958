/**
 * Closed Loop Sync: exactly-once mutations, durable offline replay and realtime change events.
 *
 * <p>This package holds only {@link dev.closedloop.sync.SyncException}, the root of the
 * library's exceptions. Everything in the library is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.closedloop.sync;

import org.jspecify.annotations.NullMarked;
