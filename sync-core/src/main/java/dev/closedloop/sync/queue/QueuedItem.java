package dev.closedloop.sync.queue;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One item in an {@link OfflineQueue}: a payload with everything needed to replay it in order.
 *
 * <ul>
 *   <li>{@link #id()}: assigned by the queue, unique within it, increasing in offer order (FIFO
 *       within a lane and within a scope follows it);
 *   <li>{@link #priority()}: the lane; higher lanes are served first;
 *   <li>{@link #scope()}: items of one scope run one at a time, in id order, across lanes; null
 *       means the item is ordered only by its lane;
 *   <li>{@link #idempotencyKey()}: sent with every replay so that the server applies it once;
 *   <li>{@link #attempts()}: failed attempts so far;
 *   <li>{@link #notBefore()}: the item is not handed out before this wall time (backoff);
 *   <li>{@link #expiresAt()}: past it, {@link OfflineQueue#drain} dead-letters the item unsent;
 *   <li>{@link #lastError()}: the last failure, or the dead-letter reason.
 * </ul>
 *
 * <p>Times are wall-clock (they are persisted), read from the queue's {@link
 * dev.closedloop.sync.time.Clock}. {@link #payload()} returns a copy.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class QueuedItem {
  static final long NO_EXPIRY = Long.MAX_VALUE;

  private final long id;
  private final int priority;
  private final @Nullable String scope;
  private final String idempotencyKey;
  private final int attempts;
  private final long notBeforeMillis;
  private final long expiresAtMillis;
  private final byte[] payload;
  private final @Nullable String lastError;
  private final long enqueuedAtMillis;

  QueuedItem(
      long id,
      int priority,
      @Nullable String scope,
      String idempotencyKey,
      int attempts,
      long notBeforeMillis,
      long expiresAtMillis,
      byte[] payload,
      @Nullable String lastError,
      long enqueuedAtMillis) {
    this.id = id;
    this.priority = priority;
    this.scope = scope;
    this.idempotencyKey = idempotencyKey;
    this.attempts = attempts;
    this.notBeforeMillis = notBeforeMillis;
    this.expiresAtMillis = expiresAtMillis;
    this.payload = payload;
    this.lastError = lastError;
    this.enqueuedAtMillis = enqueuedAtMillis;
  }

  /** Returns the queue-assigned id. */
  public long id() {
    return id;
  }

  /** Returns the priority lane (0 or more; higher is served first). */
  public int priority() {
    return priority;
  }

  /** Returns the scope, or null if the item belongs to none. */
  public @Nullable String scope() {
    return scope;
  }

  /** Returns the idempotency key sent with every attempt. */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** Returns how many attempts failed so far. */
  public int attempts() {
    return attempts;
  }

  /** Returns the wall time before which the item is not handed out. */
  public Instant notBefore() {
    return Instant.ofEpochMilli(notBeforeMillis);
  }

  /** Returns the wall time after which the item is dead-lettered unsent, or null if none. */
  public @Nullable Instant expiresAt() {
    return expiresAtMillis == NO_EXPIRY ? null : Instant.ofEpochMilli(expiresAtMillis);
  }

  /** Returns a copy of the payload. */
  public byte[] payload() {
    return payload.clone();
  }

  /** Returns the payload's size in bytes. */
  public int payloadSize() {
    return payload.length;
  }

  /** Returns the last failure or the dead-letter reason, or null if none. */
  public @Nullable String lastError() {
    return lastError;
  }

  /** Returns the wall time the item was offered. */
  public Instant enqueuedAt() {
    return Instant.ofEpochMilli(enqueuedAtMillis);
  }

  long notBeforeMillis() {
    return notBeforeMillis;
  }

  long expiresAtMillis() {
    return expiresAtMillis;
  }

  long enqueuedAtMillis() {
    return enqueuedAtMillis;
  }

  byte[] payloadUnsafe() {
    return payload;
  }

  QueuedItem withRetry(int newAttempts, long newNotBeforeMillis, @Nullable String error) {
    return new QueuedItem(id, priority, scope, idempotencyKey, newAttempts, newNotBeforeMillis,
        expiresAtMillis, payload, error, enqueuedAtMillis);
  }

  QueuedItem withError(int newAttempts, @Nullable String error) {
    return withRetry(newAttempts, notBeforeMillis, error);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof QueuedItem)) {
      return false;
    }
    QueuedItem other = (QueuedItem) o;
    return id == other.id
        && priority == other.priority
        && attempts == other.attempts
        && notBeforeMillis == other.notBeforeMillis
        && expiresAtMillis == other.expiresAtMillis
        && enqueuedAtMillis == other.enqueuedAtMillis
        && Objects.equals(scope, other.scope)
        && idempotencyKey.equals(other.idempotencyKey)
        && Objects.equals(lastError, other.lastError)
        && Arrays.equals(payload, other.payload);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(id) * 31 + idempotencyKey.hashCode();
  }

  @Override
  public String toString() {
    return "QueuedItem[id=" + id + ", priority=" + priority + ", scope=" + scope + ", key="
        + IdempotencyKey.redact(idempotencyKey) + ", attempts=" + attempts + ", notBefore=" + notBefore()
        + (expiresAtMillis == NO_EXPIRY ? "" : ", expiresAt=" + expiresAt())
        + ", payload=" + payload.length + " bytes"
        + (lastError == null ? "" : ", lastError=" + lastError) + "]";
  }
}
