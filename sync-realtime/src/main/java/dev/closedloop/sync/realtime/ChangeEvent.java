package dev.closedloop.sync.realtime;

import dev.closedloop.sync.realtime.spi.ChangeEventJson;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A change that happened, as every subscriber of its topic hears it: topic, {@link ChangeType},
 * entity key, the position the bus gave it in the topic, the wall time it was published, new and
 * old data as compact JSON text, and the idempotency key of the request that caused it when
 * there is one.
 *
 * <p><b>Data is JSON text, not a tree.</b> {@link #newData()} and {@link #oldData()} return
 * compact single-line JSON ({@link ChangeDraft} normalises it once, at publish), because a text
 * is immutable, its size is known for the replay log's byte bound, and it goes to the wire and to
 * Redis or PostgreSQL without another encoding. Read it with any JSON library, e.g. {@code
 * mapper.readTree(event.newData())}.
 *
 * <p>Positions: see the package documentation. Two events are equal when every field is.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class ChangeEvent {
  private final ChangeDraft draft;
  private final long position;
  private final Instant time;

  private ChangeEvent(ChangeDraft draft, long position, Instant time) {
    this.draft = draft;
    this.position = position;
    this.time = time;
  }

  /**
   * Returns the event a bus makes of {@code draft} at {@code position} and {@code time}. For bus
   * implementations and decoders.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code position < 1}
   */
  public static ChangeEvent of(ChangeDraft draft, long position, Instant time) {
    Objects.requireNonNull(draft, "draft cannot be null");
    Objects.requireNonNull(time, "time cannot be null");
    if (position < 1) {
      throw new IllegalArgumentException("position must be at least 1, was " + position);
    }
    return new ChangeEvent(draft, position, time);
  }

  /** Returns the topic. */
  public String topic() {
    return draft.topic();
  }

  /** Returns the type. */
  public ChangeType type() {
    return draft.type();
  }

  /** Returns the entity key; null only for a broadcast without one. */
  public @Nullable String key() {
    return draft.key();
  }

  /** Returns the position in the topic: at least 1, strictly increasing within the topic. */
  public long position() {
    return position;
  }

  /** Returns the wall time at which the bus accepted the event (millisecond precision). */
  public Instant time() {
    return time;
  }

  /** Returns the new data as compact JSON text, or null. */
  public @Nullable String newData() {
    return draft.newData();
  }

  /** Returns the old data as compact JSON text, or null. */
  public @Nullable String oldData() {
    return draft.oldData();
  }

  /**
   * Returns the digest of the idempotency key of the request that caused the change (see {@link
   * dev.closedloop.sync.idempotency.IdempotencyKey#digest(String)}), or null. The key itself is
   * never kept nor sent: subscribers of a topic do not learn each other's keys.
   */
  public @Nullable String idempotencyKeyDigest() {
    return draft.idempotencyKeyDigest();
  }

  /**
   * Returns whether the request with idempotency key {@code clientKey} caused this change: how a
   * client recognises the event of its own call.
   *
   * @throws NullPointerException if {@code clientKey} is null
   */
  public boolean isCausedBy(String clientKey) {
    String digest = draft.idempotencyKeyDigest();
    return digest != null && digest.equals(dev.closedloop.sync.idempotency.IdempotencyKey.digest(clientKey));
  }

  /** Returns the draft this event was made from (everything but position and time). */
  public ChangeDraft draft() {
    return draft;
  }

  /**
   * Returns an estimate of the memory the event holds, in bytes: two bytes per character of its
   * strings plus a fixed 96 bytes of object overhead. Replay logs bound their size with it.
   */
  public long approximateSizeBytes() {
    long chars = topic().length() + len(key()) + len(newData()) + len(oldData()) + len(idempotencyKeyDigest());
    return 96 + 2 * chars;
  }

  private static int len(@Nullable String s) {
    return s == null ? 0 : s.length();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ChangeEvent e)) {
      return false;
    }
    return position == e.position
        && time.equals(e.time)
        && topic().equals(e.topic())
        && type() == e.type()
        && Objects.equals(key(), e.key())
        && Objects.equals(newData(), e.newData())
        && Objects.equals(oldData(), e.oldData())
        && Objects.equals(idempotencyKeyDigest(), e.idempotencyKeyDigest());
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic(), position, type(), key());
  }

  @Override
  public String toString() {
    return "ChangeEvent[" + topic() + "@" + position + " " + type()
        + (key() == null ? "" : " " + key()) + "]";
  }
}
