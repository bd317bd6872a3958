package dev.closedloop.sync.idempotency.spi;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import java.time.Duration;
import java.util.Objects;

/**
 * The argument checks of {@link IdempotencyStore}'s four entry operations, written once for every
 * store: each method checks one operation's arguments in the order the operation lists them, with
 * the messages {@link IdempotencyStore#checkFingerprint}, {@link IdempotencyStore#checkToken} and
 * {@link IdempotencyStore#checkDuration} give ({@code "key cannot be null"} for the key, {@code
 * "response cannot be null"} for the response), and returns the lease or retention in whole
 * milliseconds, rounded up (a store keeps an entry at least as long as asked). A store calls it
 * first, so that, as the contract says, bad arguments throw before anything is read or written.
 *
 * <pre>{@code
 * public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
 *   long leaseMillis = StoreArguments.claim(key, fingerprint, lease);
 *   ...
 * }
 * }</pre>
 *
 * <p>This class is threadsafe: it is stateless.
 */
public final class StoreArguments {
  private StoreArguments() {}

  /**
   * Checks {@link IdempotencyStore#claim}'s arguments.
   *
   * @return the lease in milliseconds, rounded up
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the fingerprint or the lease is invalid
   */
  public static long claim(IdempotencyKey key, String fingerprint, Duration lease) {
    Objects.requireNonNull(key, "key cannot be null");
    IdempotencyStore.checkFingerprint(fingerprint);
    return ceilMillis(IdempotencyStore.checkDuration(lease, "lease"));
  }

  /**
   * Checks {@link IdempotencyStore#complete}'s arguments.
   *
   * @return the retention in milliseconds, rounded up
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the token or the retention is invalid
   */
  public static long complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
    Objects.requireNonNull(key, "key cannot be null");
    IdempotencyStore.checkToken(token);
    Objects.requireNonNull(response, "response cannot be null");
    return ceilMillis(IdempotencyStore.checkDuration(retention, "retention"));
  }

  /**
   * Checks {@link IdempotencyStore#release}'s arguments.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the token is invalid
   */
  public static void release(IdempotencyKey key, String token) {
    Objects.requireNonNull(key, "key cannot be null");
    IdempotencyStore.checkToken(token);
  }

  /**
   * Checks {@link IdempotencyStore#renew}'s arguments.
   *
   * @return the lease in milliseconds, rounded up
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the token or the lease is invalid
   */
  public static long renew(IdempotencyKey key, String token, Duration lease) {
    Objects.requireNonNull(key, "key cannot be null");
    IdempotencyStore.checkToken(token);
    return ceilMillis(IdempotencyStore.checkDuration(lease, "lease"));
  }

  /**
   * Returns {@code duration} in whole milliseconds, rounded up: 1.2 ms is 2 ms, so that a store
   * counting in milliseconds never keeps an entry shorter than asked.
   *
   * @throws ArithmeticException if it does not fit a {@code long} of milliseconds
   */
  public static long ceilMillis(Duration duration) {
    long millis = duration.toMillis();
    return duration.minusMillis(millis).isZero() ? millis : millis + 1;
  }
}
