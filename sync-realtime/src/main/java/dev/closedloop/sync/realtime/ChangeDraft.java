package dev.closedloop.sync.realtime;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A change to publish: everything a {@link ChangeEvent} holds except what the bus assigns (the
 * position and the time). Data is JSON text, normalised on creation to compact single-line JSON
 * (so it fits one SSE {@code data:} line); numbers are kept verbatim.
 *
 * <pre>{@code
 * bus.publish(ChangeDraft.update("bookings", "42", "{\"seats\":3}", "{\"seats\":2}")
 *     .withIdempotencyKey(requestKey));
 * }</pre>
 *
 * <p>The idempotency key of the causing request is never kept: a draft keeps (and every bus
 * stores and sends) only its {@linkplain IdempotencyKey#digest(String) digest}, so the
 * subscribers of a topic cannot learn each other's keys; the caller recognises its own change
 * with {@link ChangeEvent#isCausedBy(String)}.
 *
 * <p>Rules: {@code INSERT} and {@code UPDATE} need new data; {@code DELETE} has none; entity
 * changes need a key of 1 to 1024 characters; a {@code BROADCAST} may omit both. An idempotency
 * key, when given, is 1 to 255 characters; its digest is 43 base64url characters.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class ChangeDraft {
  static final int MAX_KEY_LENGTH = 1024;
  static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;
  private static final Pattern DIGEST = Pattern.compile("[A-Za-z0-9_-]{43}");

  private final String topic;
  private final ChangeType type;
  private final @Nullable String key;
  private final @Nullable String newData;
  private final @Nullable String oldData;
  private final @Nullable String idempotencyKeyDigest;

  private ChangeDraft(
      String topic,
      ChangeType type,
      @Nullable String key,
      @Nullable String newData,
      @Nullable String oldData,
      @Nullable String idempotencyKeyDigest) {
    this.topic = topic;
    this.type = type;
    this.key = key;
    this.newData = newData;
    this.oldData = oldData;
    this.idempotencyKeyDigest = idempotencyKeyDigest;
  }

  /**
   * Returns a draft of any type; the typed factories below read better. The idempotency key is
   * digested at once; the draft keeps only the digest.
   *
   * @throws NullPointerException if {@code topic} or {@code type} is null
   * @throws IllegalArgumentException if the topic, key, data or idempotency key breaks the rules
   *     above
   */
  public static ChangeDraft of(
      String topic,
      ChangeType type,
      @Nullable String key,
      @Nullable String newDataJson,
      @Nullable String oldDataJson,
      @Nullable String idempotencyKey) {
    Topics.requireValid(topic);
    Objects.requireNonNull(type, "type cannot be null");
    if (type.isEntityChange()) {
      if (key == null) {
        throw new IllegalArgumentException(type + " on topic " + topic + " needs a key");
      }
    }
    if (key != null && (key.isEmpty() || key.length() > MAX_KEY_LENGTH)) {
      throw new IllegalArgumentException("key must be 1 to " + MAX_KEY_LENGTH + " characters, was " + key.length());
    }
    if ((type == ChangeType.INSERT || type == ChangeType.UPDATE) && newDataJson == null) {
      throw new IllegalArgumentException(type + " on topic " + topic + " needs new data");
    }
    if (type == ChangeType.DELETE && newDataJson != null) {
      throw new IllegalArgumentException("DELETE on topic " + topic + " cannot carry new data");
    }
    return new ChangeDraft(
        topic,
        type,
        key,
        newDataJson == null ? null : Json.compact(newDataJson, "newData"),
        oldDataJson == null ? null : Json.compact(oldDataJson, "oldData"),
        idempotencyKey == null ? null : digestOf(idempotencyKey));
  }

  private static String digestOf(String idempotencyKey) {
    if (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "idempotencyKey must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters, was "
              + idempotencyKey.length());
    }
    return IdempotencyKey.digest(idempotencyKey);
  }

  /** An {@code INSERT} of {@code key} with {@code newDataJson}; see {@link #of}. */
  public static ChangeDraft insert(String topic, String key, String newDataJson) {
    return of(topic, ChangeType.INSERT, key, Objects.requireNonNull(newDataJson, "newDataJson cannot be null"), null, null);
  }

  /** An {@code UPDATE} of {@code key}; {@code oldDataJson} may be null. See {@link #of}. */
  public static ChangeDraft update(
      String topic, String key, String newDataJson, @Nullable String oldDataJson) {
    return of(topic, ChangeType.UPDATE, key, Objects.requireNonNull(newDataJson, "newDataJson cannot be null"), oldDataJson, null);
  }

  /** A {@code DELETE} of {@code key}; {@code oldDataJson} may be null. See {@link #of}. */
  public static ChangeDraft delete(String topic, String key, @Nullable String oldDataJson) {
    return of(topic, ChangeType.DELETE, Objects.requireNonNull(key, "key cannot be null"), null, oldDataJson, null);
  }

  /** A {@code BROADCAST} with optional data and no key. See {@link #of}. */
  public static ChangeDraft broadcast(String topic, @Nullable String dataJson) {
    return of(topic, ChangeType.BROADCAST, null, dataJson, null, null);
  }

  /**
   * Returns a copy that carries the digest of the idempotency key of the request that caused
   * this change, so the client that sent it can close the loop on its optimistic update. The
   * key itself is not kept.
   *
   * @param idempotencyKey the client's key, as the handler reads it; null for none
   * @throws IllegalArgumentException if the key is empty or longer than 255 characters
   */
  public ChangeDraft withIdempotencyKey(@Nullable String idempotencyKey) {
    return new ChangeDraft(topic, type, key, newData, oldData,
        idempotencyKey == null ? null : digestOf(idempotencyKey));
  }

  /**
   * Returns a copy that carries an idempotency key digest already computed (by {@link
   * IdempotencyKey#digest(String)}): for buses and codecs that read events back.
   *
   * @param digest 43 base64url characters; null for none
   * @throws IllegalArgumentException if {@code digest} is not such a digest
   */
  public ChangeDraft withIdempotencyKeyDigest(@Nullable String digest) {
    if (digest != null && !isIdempotencyKeyDigest(digest)) {
      throw new IllegalArgumentException("idempotencyKeyDigest must be 43 base64url characters (SHA-256,"
          + " no padding), was " + digest.length() + " characters");
    }
    return new ChangeDraft(topic, type, key, newData, oldData, digest);
  }

  /**
   * Returns whether {@code text} has the form of an idempotency key digest: 43 base64url
   * characters. Readers of data stored before digests were kept use it to tell a stored raw key
   * (which they digest) from a digest.
   */
  public static boolean isIdempotencyKeyDigest(String text) {
    return DIGEST.matcher(text).matches();
  }

  /** Returns the topic. */
  public String topic() {
    return topic;
  }

  /** Returns the type. */
  public ChangeType type() {
    return type;
  }

  /** Returns the entity key; null only for a broadcast without one. */
  public @Nullable String key() {
    return key;
  }

  /** Returns the new data as compact JSON text, or null. */
  public @Nullable String newData() {
    return newData;
  }

  /** Returns the old data as compact JSON text, or null. */
  public @Nullable String oldData() {
    return oldData;
  }

  /**
   * Returns the digest of the idempotency key of the request that caused the change (see {@link
   * IdempotencyKey#digest(String)}), or null.
   */
  public @Nullable String idempotencyKeyDigest() {
    return idempotencyKeyDigest;
  }

  @Override
  public String toString() {
    return "ChangeDraft[" + type + " " + topic + (key == null ? "" : "/" + key) + "]";
  }
}
