/**
 * Helpers for implementers of {@link dev.closedloop.sync.idempotency.IdempotencyStore}, shared by
 * the library's own stores (in memory, Redis, PostgreSQL): {@link
 * dev.closedloop.sync.idempotency.spi.StoreArguments}, the one place where a store's operations
 * check their arguments; {@link dev.closedloop.sync.idempotency.spi.StoredResponseCodec}, the
 * binary form a remote store keeps a response in; {@link
 * dev.closedloop.sync.idempotency.spi.OwnerTokens}, owner tokens unique across nodes. Not for applications, which call an {@code Idempotency} or the servlet
 * filter, never a store directly.
 */
@NullMarked
package dev.closedloop.sync.idempotency.spi;

import org.jspecify.annotations.NullMarked;
