package dev.closedloop.sync.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * The work {@link Idempotency#execute} runs at most once per key: a database write, a message's
 * effect, a call to a payment provider. It may throw a checked exception of its own type, which
 * {@code execute} rethrows as it is.
 *
 * @param <T> the result, handed to every repeat through a {@link ResultCodec}
 * @param <X> the checked exception the work may throw ({@link RuntimeException} if none)
 */
@FunctionalInterface
public interface IdempotentWork<T extends @Nullable Object, X extends Exception> {
  /** Runs the work once and returns its result. */
  T run() throws X;
}
