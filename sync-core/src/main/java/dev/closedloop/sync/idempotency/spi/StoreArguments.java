package dev.closedloop.sync.idempotency.spi;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import java.time.Duration;
import java.util.Objects;

/**
 * The argument checks of {@link IdempotencyStore}'s four entry operations, written once for every
 * store: each method checks one operation's arguments in the order the operation lists them, with
 * the messages {@link #checkFingerprint}, {@link #checkToken} and {@link #checkDuration} give ({@code "key cannot be null"} for the key, {@code
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
    checkFingerprint(fingerprint);
    return ceilMillis(checkDuration(lease, "lease"));
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
    checkToken(token);
    Objects.requireNonNull(response, "response cannot be null");
    return ceilMillis(checkDuration(retention, "retention"));
  }

  /**
   * Checks {@link IdempotencyStore#release}'s arguments.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the token is invalid
   */
  public static void release(IdempotencyKey key, String token) {
    Objects.requireNonNull(key, "key cannot be null");
    checkToken(token);
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
    checkToken(token);
    return ceilMillis(checkDuration(lease, "lease"));
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

  /**
   * Checks a fingerprint argument for implementations.
   *
   * @return {@code fingerprint}
   * @throws NullPointerException if it is null
   * @throws IllegalArgumentException if it is empty or longer than {@value IdempotencyStore#MAX_FINGERPRINT_LENGTH}
   */
  public static String checkFingerprint(String fingerprint) {
    Objects.requireNonNull(fingerprint, "fingerprint cannot be null");
    if (fingerprint.isEmpty() || fingerprint.length() > IdempotencyStore.MAX_FINGERPRINT_LENGTH) {
      throw new IllegalArgumentException(
          "fingerprint must have 1 to " + IdempotencyStore.MAX_FINGERPRINT_LENGTH + " characters: " + fingerprint.length());
    }
    return fingerprint;
  }

  /**
   * Checks an owner-token argument for implementations.
   *
   * @return {@code token}
   * @throws NullPointerException if it is null
   * @throws IllegalArgumentException if it is empty or longer than 256 characters
   */
  public static String checkToken(String token) {
    Objects.requireNonNull(token, "token cannot be null");
    if (token.isEmpty() || token.length() > 256) {
      throw new IllegalArgumentException("token must have 1 to 256 characters: " + token.length());
    }
    return token;
  }

  /**
   * Checks a lease or retention argument for implementations.
   *
   * @param name the argument's name, for the message
   * @return {@code duration}
   * @throws NullPointerException if it is null
   * @throws IllegalArgumentException if it is zero or negative, or longer than 10,000 days
   */
  public static Duration checkDuration(Duration duration, String name) {
    Objects.requireNonNull(duration, name + " cannot be null");
    if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofDays(10_000)) > 0) {
      throw new IllegalArgumentException(name + " must be positive and at most 10000 days: " + duration);
    }
    return duration;
  }
}
