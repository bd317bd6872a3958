package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.spi.Digests;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Runs a piece of work at most once per (scope, key) and hands every repeat the first result,
 * without a servlet container: for message consumers, scheduled jobs, gRPC services, or anything
 * else that must not apply the same thing twice. It is the protocol the HTTP {@code
 * IdempotencyFilter} runs on (one implementation): claim the key with a fingerprint and a lease,
 * run, complete with the encoded result or release on failure, wait or refuse while in progress,
 * refuse a different fingerprint.
 *
 * <pre>{@code
 * Idempotency idempotency = Idempotency.builder()
 *     .store(redisStore)                        // or JDBC, or in memory
 *     .inProgressWait(Duration.ofSeconds(2))
 *     .build();
 * Receipt receipt = idempotency.execute("ledger", message.id(), Idempotency.fingerprint(message.body()),
 *     () -> ledger.apply(message), receiptCodec);
 * }</pre>
 *
 * <h2>{@link #execute}</h2>
 *
 * <ul>
 *   <li><b>First call</b>: the work runs; its result is encoded by the {@link ResultCodec} and
 *       stored for the retention, then returned. While it runs, its lease is renewed. If storing
 *       fails with the store unreachable, it is retried until stored (the work ran, so it must not
 *       run again); an encoding failure completes the key as not replayable.
 *   <li><b>Repeat</b> (same key, same fingerprint, completed): the work does not run; the stored
 *       result is decoded and returned. Not decodable, or not kept → {@link
 *       ResultNotReplayableException}.
 *   <li><b>Concurrent repeat</b> (in progress): waits up to the in-progress wait for the first
 *       call's result, then {@link IdempotencyInProgressException} with a retry-after.
 *   <li><b>Different fingerprint</b> → {@link IdempotencyKeyReusedException}; nothing runs.
 *   <li><b>The work throws</b>: the claim is released (a retry runs it again) and the exception
 *       is rethrown as it is.
 *   <li><b>The store fails on the claim</b> → {@link IdempotencyStoreUnavailableException}
 *       (or {@link IdempotencyStoreFullException}); nothing runs.
 * </ul>
 *
 * <p>The lower-level {@link #begin} is the same protocol for callers that run the work on another
 * thread or answer repeats themselves (the servlet filter does both).
 *
 * <p>Scope: keys never cross scopes. Use the caller's identity (a tenant, a principal, a
 * consumer group) as the scope: two scopes that pick the same key get two different entries.
 *
 * <p>This class is threadsafe.
 */
public interface Idempotency {

  /** Returns a builder: no store yet, lease 30 s, retention 24 h, no in-progress wait. */
  static IdempotencyBuilder builder() {
    return new IdempotencyBuilder();
  }

  /**
   * Returns an {@link Idempotency} on {@code store} with the builder's defaults.
   *
   * @throws NullPointerException if {@code store} is null
   */
  static Idempotency of(IdempotencyStore store) {
    return builder().store(store).build();
  }

  /**
   * Runs {@code work} unless it already ran under ({@code scope}, {@code key}); see the class
   * comment. Same as {@code execute(IdempotencyKey.of(scope, key), fingerprint, work, codec)}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the scope, key or fingerprint is empty or too long
   */
  default <T extends @Nullable Object, X extends Exception> T execute(String scope, String key, String fingerprint,
      IdempotentWork<T, X> work, ResultCodec<T> codec) throws X {
    return execute(IdempotencyKey.of(scope, key), fingerprint, work, codec);
  }

  /**
   * Runs {@code work} unless it already ran under {@code key}: see the class comment.
   *
   * @param key the scoped key
   * @param fingerprint what identifies the work (for example {@link #fingerprint(byte[]...)} of the
   *     message body); 1 to {@value IdempotencyStore#MAX_FINGERPRINT_LENGTH} characters
   * @param work the work
   * @param codec turns the result into stored bytes and back
   * @return the work's result, its own or the first call's
   * @throws X what the work threw (the claim was released)
   * @throws IdempotencyInProgressException if another caller runs it and did not finish in time
   * @throws IdempotencyKeyReusedException if the key was used with another fingerprint
   * @throws ResultNotReplayableException if it ran but its result cannot be handed over
   * @throws IdempotencyStoreUnavailableException if the store failed on the claim; nothing ran
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the fingerprint is empty or too long
   */
  <T extends @Nullable Object, X extends Exception> T execute(IdempotencyKey key, String fingerprint,
      IdempotentWork<T, X> work, ResultCodec<T> codec) throws X;

  /**
   * Claims {@code key} (waiting up to the in-progress wait while another caller holds it) and
   * says what to do; the lower-level half of {@link #execute}. A {@link IdempotencyAttempt.Claimed}
   * must be ended by its caller, exactly once. Counts and reports every outcome as {@code execute}
   * does, except {@link IdempotencyListener#onFinished}.
   *
   * @throws IdempotencyStoreUnavailableException if the store failed; nothing is claimed
   * @throws IdempotencyStoreFullException if a bounded store is full
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the fingerprint is empty or too long
   */
  IdempotencyAttempt begin(IdempotencyKey key, String fingerprint);

  /** Returns the counters so far. */
  IdempotencyStats stats();

  /** Returns the store. */
  IdempotencyStore store();

  /** Returns how long a claim may stay in progress between renewals. */
  Duration lease();

  /** Returns how long a completed result is kept. */
  Duration retention();

  /**
   * Returns a fingerprint of {@code parts}: the SHA-256, in lowercase hex (64 characters), of
   * each part's 4-byte big-endian length followed by its bytes, so no two different lists of
   * parts share one. {@code fingerprint(s)} equals {@code fingerprint(s.getBytes(UTF_8))}.
   *
   * @throws NullPointerException if {@code parts} or a part is null
   */
  static String fingerprint(byte[]... parts) {
    Objects.requireNonNull(parts, "parts cannot be null");
    MessageDigest d = Digests.sha256();
    byte[] length = new byte[4];
    for (byte[] p : parts) {
      Objects.requireNonNull(p, "part cannot be null");
      Digests.updateInt(d, length, p.length);
      d.update(p);
    }
    return Digests.hex(d.digest());
  }

  /**
   * Returns {@link #fingerprint(byte[]...)} of the parts' UTF-8 bytes.
   *
   * @throws NullPointerException if {@code parts} or a part is null
   */
  static String fingerprint(String... parts) {
    Objects.requireNonNull(parts, "parts cannot be null");
    byte[][] bytes = new byte[parts.length][];
    for (int i = 0; i < parts.length; i++) {
      bytes[i] = Objects.requireNonNull(parts[i], "part cannot be null").getBytes(StandardCharsets.UTF_8);
    }
    return fingerprint(bytes);
  }
}
