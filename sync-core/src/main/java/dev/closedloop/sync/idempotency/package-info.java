/**
 * Idempotency: a request carrying a client key is applied once, however often and however
 * concurrently it arrives.
 *
 * <ul>
 *   <li>{@link dev.closedloop.sync.idempotency.Idempotency}: runs a piece of work at most once
 *       per (scope, key) and hands every repeat the stored result, decoded by a {@link
 *       dev.closedloop.sync.idempotency.ResultCodec}; for message consumers, jobs and services
 *       without a servlet container. The servlet filter runs on it: one implementation of the
 *       protocol (claim, run, complete or release, wait, replay).
 *   <li>{@link dev.closedloop.sync.idempotency.IdempotencyStore}: the SPI. A {@code claim} makes
 *       the caller the owner of a key for a lease and hands it an owner token; only the current
 *       owner can {@code complete} (store the response) or {@code release} (give the key back).
 *   <li>{@link dev.closedloop.sync.idempotency.InMemoryIdempotencyStore}: the embedded default,
 *       bounded by entries and bytes, expiring by an injected {@link dev.closedloop.sync.time.Clock}.
 *   <li>{@link dev.closedloop.sync.idempotency.IdempotencyKey} and {@link
 *       dev.closedloop.sync.idempotency.ScopeResolver}: the stored key is derived from the
 *       caller's scope and the client's key, so one caller is never served another's response.
 * </ul>
 *
 * <p>Every store passes the compatibility kit {@code IdempotencyStoreCompatibilityKit} in
 * {@code sync-testkit}.
 */
@NullMarked
package dev.closedloop.sync.idempotency;

import org.jspecify.annotations.NullMarked;
