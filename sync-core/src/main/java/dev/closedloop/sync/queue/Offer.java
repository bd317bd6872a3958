package dev.closedloop.sync.queue;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What to put in an {@link OfflineQueue}: an idempotency key and a payload, with an optional
 * priority, scope, earliest time, expiry and collapse rule. Each {@code withX}-style method
 * validates its argument at once and returns a new offer:
 *
 * <pre>{@code
 * queue.offer(Offer.of(key, body).priority(5).scope("cart-42").collapse(Collapse.REPLACE));
 * }</pre>
 *
 * <p>The payload's size is checked against the queue's maximum by {@link OfflineQueue#offer}.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class Offer {
  /** The longest idempotency key or scope accepted, in characters. */
  public static final int MAX_KEY_LENGTH = 1000;

  private final String idempotencyKey;
  private final byte[] payload;
  private final int priority;
  private final @Nullable String scope;
  private final @Nullable Instant notBefore;
  private final @Nullable Instant expiresAt;
  private final Collapse collapse;

  private Offer(String key, byte[] payload, int priority, @Nullable String scope,
      @Nullable Instant notBefore, @Nullable Instant expiresAt, Collapse collapse) {
    this.idempotencyKey = key;
    this.payload = payload;
    this.priority = priority;
    this.scope = scope;
    this.notBefore = notBefore;
    this.expiresAt = expiresAt;
    this.collapse = collapse;
  }

  /**
   * Returns an offer of {@code payload} (copied) under {@code idempotencyKey}: priority 0, no
   * scope, due at once, no expiry, {@link Collapse#NONE}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key is empty or longer than {@link #MAX_KEY_LENGTH}
   */
  public static Offer of(String idempotencyKey, byte[] payload) {
    checkText(Objects.requireNonNull(idempotencyKey, "idempotencyKey cannot be null"), "idempotencyKey");
    Objects.requireNonNull(payload, "payload cannot be null");
    return new Offer(idempotencyKey, payload.clone(), 0, null, null, null, Collapse.NONE);
  }

  /**
   * Returns this offer in lane {@code priority}; higher lanes are served first.
   *
   * @throws IllegalArgumentException if {@code priority} is negative
   */
  public Offer priority(int priority) {
    if (priority < 0) {
      throw new IllegalArgumentException("priority must not be negative: " + priority);
    }
    return new Offer(idempotencyKey, payload, priority, scope, notBefore, expiresAt, collapse);
  }

  /**
   * Returns this offer in {@code scope}: items of one scope run one at a time, in offer order.
   * Null removes the scope.
   *
   * @throws IllegalArgumentException if the scope is empty or longer than {@link #MAX_KEY_LENGTH}
   */
  public Offer scope(@Nullable String scope) {
    if (scope != null) {
      checkText(scope, "scope");
    }
    return new Offer(idempotencyKey, payload, priority, scope, notBefore, expiresAt, collapse);
  }

  /**
   * Returns this offer, not handed out before {@code notBefore} (wall time). Null: at once.
   */
  public Offer notBefore(@Nullable Instant notBefore) {
    return new Offer(idempotencyKey, payload, priority, scope, notBefore, expiresAt, collapse);
  }

  /**
   * Returns this offer, dead-lettered unsent by {@link OfflineQueue#drain} once {@code expiresAt}
   * (wall time) has passed. Null: never expires.
   */
  public Offer expiresAt(@Nullable Instant expiresAt) {
    return new Offer(idempotencyKey, payload, priority, scope, notBefore, expiresAt, collapse);
  }

  /**
   * Returns this offer with a collapse rule for items already queued under the same key.
   *
   * @throws NullPointerException if {@code collapse} is null
   */
  public Offer collapse(Collapse collapse) {
    Objects.requireNonNull(collapse, "collapse cannot be null");
    return new Offer(idempotencyKey, payload, priority, scope, notBefore, expiresAt, collapse);
  }

  /** Returns the idempotency key. */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** Returns the payload's size in bytes. */
  public int payloadSize() {
    return payload.length;
  }

  /** Returns the priority lane. */
  public int priority() {
    return priority;
  }

  /** Returns the scope, or null. */
  public @Nullable String scope() {
    return scope;
  }

  /** Returns the earliest time, or null for at once. */
  public @Nullable Instant notBefore() {
    return notBefore;
  }

  /** Returns the expiry, or null for none. */
  public @Nullable Instant expiresAt() {
    return expiresAt;
  }

  /** Returns the collapse rule. */
  public Collapse collapse() {
    return collapse;
  }

  byte[] payloadUnsafe() {
    return payload;
  }

  private static void checkText(String text, String name) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException(name + " must not be empty");
    }
    if (text.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException(
          name + " must be at most " + MAX_KEY_LENGTH + " characters: " + text.length());
    }
    if (text.getBytes(StandardCharsets.UTF_8).length > 4 * MAX_KEY_LENGTH) {
      throw new IllegalArgumentException(name + " is too long in UTF-8");
    }
  }

  @Override
  public String toString() {
    return "Offer[key=" + IdempotencyKey.redact(idempotencyKey) + ", priority=" + priority + ", scope=" + scope
        + ", payload=" + payload.length + " bytes, collapse=" + collapse + "]";
  }
}
