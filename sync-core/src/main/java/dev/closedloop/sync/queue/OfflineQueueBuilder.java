package dev.closedloop.sync.queue;

import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.time.Ticker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds an {@link OfflineQueue}: {@link #buildInMemory()} for a queue that lives as long as the
 * process, {@link #open(Path)} for a durable queue in a directory. Every setter validates its
 * argument at once with a fixed message; building copies the settings, so a builder can be reused.
 *
 * <p>Defaults: the system clock and ticker, {@link RetryPolicy#ofDefaults()} (without its
 * deadline: an item's expiry plays that role), payloads up to 1 MiB, at most 100,000 items and
 * 128 MiB of records, {@link Durability#ALWAYS}, segments of 64 MiB, no listener.
 *
 * <p>This class is not threadsafe.
 */
public final class OfflineQueueBuilder {
  /** The default maximum payload size: 1 MiB. */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;
  /** The largest maximum payload size accepted: 64 MiB. */
  public static final int MAX_PAYLOAD_LIMIT = 64 << 20;
  /** The default bound on items held (waiting, in flight and dead): 100,000. */
  public static final int DEFAULT_MAX_ITEMS = 100_000;
  /** The default bound on the bytes of the records held: 128 MiB. */
  public static final long DEFAULT_MAX_BYTES = 128L << 20;
  /** The default segment size: 64 MiB. */
  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
  static final long MIN_SEGMENT_BYTES = 4L << 10;
  static final long MAX_SEGMENT_BYTES = 1L << 30;

  Clock clock = Clock.system();
  Ticker ticker = Ticker.system();
  RetryPolicy<?> retryPolicy = RetryPolicy.builder().noDeadline().build();
  int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
  int maxItems = DEFAULT_MAX_ITEMS;
  long maxBytes = DEFAULT_MAX_BYTES;
  Durability durability = Durability.ALWAYS;
  long segmentBytes = DEFAULT_SEGMENT_BYTES;
  final List<OfflineQueueListener> listeners = new ArrayList<>();
  ChannelFactory channels = ChannelFactory.DEFAULT;

  OfflineQueueBuilder() {}

  /**
   * Sets the wall clock for the times the queue persists (offered-at, not-before, expiry).
   *
   * @throws NullPointerException if {@code clock} is null
   */
  public OfflineQueueBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    return this;
  }

  /**
   * Sets the monotonic ticker for durations (the {@link Durability#group group} delay, recovery
   * time).
   *
   * @throws NullPointerException if {@code ticker} is null
   */
  public OfflineQueueBuilder ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker cannot be null");
    return this;
  }

  /**
   * Sets the retry policy whose decisions {@link OfflineQueue#nack} and {@link OfflineQueue#drain}
   * follow: maximum attempts, backoff, jitter (drawn from the policy's random source), which
   * failures are retryable. Its deadline is dropped: an item's expiry plays that role.
   *
   * @throws NullPointerException if {@code retryPolicy} is null
   */
  public OfflineQueueBuilder retryPolicy(RetryPolicy<?> retryPolicy) {
    Objects.requireNonNull(retryPolicy, "retryPolicy cannot be null");
    this.retryPolicy = retryPolicy.toBuilder().noDeadline().build();
    return this;
  }

  /**
   * Sets the largest payload an offer may carry. Default 1 MiB.
   *
   * @throws IllegalArgumentException if not in {@code [1, 64 MiB]}
   */
  public OfflineQueueBuilder maxPayloadBytes(int maxPayloadBytes) {
    if (maxPayloadBytes < 1 || maxPayloadBytes > MAX_PAYLOAD_LIMIT) {
      throw new IllegalArgumentException(
          "maxPayloadBytes must be in [1, " + MAX_PAYLOAD_LIMIT + "]: " + maxPayloadBytes);
    }
    this.maxPayloadBytes = maxPayloadBytes;
    return this;
  }

  /**
   * Sets how many items the queue holds at most: waiting, in flight and dead letters alike (an
   * item counts until it is acknowledged or discarded). An offer that would pass it throws {@link
   * OfflineQueueFullException}, writes nothing and leaves every queued item as it was; an offer
   * that {@linkplain Collapse#REPLACE replaces} an item counts the item it removes, and one that
   * {@linkplain Collapse#KEEP keeps} the queued item is never refused. A queue reopened with a
   * smaller bound than it holds loses nothing: it refuses offers until it is below the bound.
   * Default 100,000.
   *
   * @throws IllegalArgumentException if {@code maxItems < 1}
   */
  public OfflineQueueBuilder maxItems(int maxItems) {
    if (maxItems < 1) {
      throw new IllegalArgumentException("maxItems must be at least 1: " + maxItems);
    }
    this.maxItems = maxItems;
    return this;
  }

  /**
   * Sets how many bytes of records the queue holds at most, counting each held item's record as
   * written (a 24-byte header, 61 bytes of fields, the key, scope, last error and payload), the
   * same way for an in-memory and a file queue. An offer that would pass it is refused as with
   * {@link #maxItems}. The files on disk can be larger between compactions (acknowledgements are
   * records too) and a file queue also needs room for those; see the README's "Bounds". Default 128
   * MiB.
   *
   * @throws IllegalArgumentException if {@code maxBytes < 1024}
   */
  public OfflineQueueBuilder maxBytes(long maxBytes) {
    if (maxBytes < 1024) {
      throw new IllegalArgumentException("maxBytes must be at least 1024: " + maxBytes);
    }
    this.maxBytes = maxBytes;
    return this;
  }

  /**
   * Sets when a file queue forces its writes to disk. Default {@link Durability#ALWAYS}. Ignored
   * by an in-memory queue.
   *
   * @throws NullPointerException if {@code durability} is null
   */
  public OfflineQueueBuilder durability(Durability durability) {
    this.durability = Objects.requireNonNull(durability, "durability cannot be null");
    return this;
  }

  /**
   * Sets the size at which a file queue starts a new segment file (a single larger record still
   * fits: the limit is soft). Default 64 MiB. Compaction runs once the files hold at least this
   * much and more than half of it is dead. Ignored by an in-memory queue.
   *
   * @throws IllegalArgumentException if not in {@code [4 KiB, 1 GiB]}
   */
  public OfflineQueueBuilder segmentBytes(long segmentBytes) {
    if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
      throw new IllegalArgumentException("segmentBytes must be in [" + MIN_SEGMENT_BYTES + ", "
          + MAX_SEGMENT_BYTES + "]: " + segmentBytes);
    }
    this.segmentBytes = segmentBytes;
    return this;
  }

  /**
   * Adds a listener; listeners are called in the order added.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  public OfflineQueueBuilder listener(OfflineQueueListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
    return this;
  }

  /** Test seam: how segment files are opened (a fault-injecting channel in tests). */
  OfflineQueueBuilder channelFactory(ChannelFactory channels) {
    this.channels = Objects.requireNonNull(channels, "channels cannot be null");
    return this;
  }

  /** Returns a new empty queue in memory, with this builder's settings. */
  public OfflineQueue buildInMemory() {
    return new InMemoryOfflineQueue(new QueueConfig(this));
  }

  /**
   * Opens (creating it if needed) the durable queue in {@code directory}, recovering what is on
   * disk; the {@link RecoveryReport} goes to the listeners before this method returns.
   *
   * @throws NullPointerException if {@code directory} is null
   * @throws OfflineQueueLockedException if another queue or process has the directory open
   * @throws UnsupportedQueueFormatException if a file holds records of a newer format
   * @throws IOException if the directory cannot be read or written
   */
  public OfflineQueue open(Path directory) throws IOException {
    Objects.requireNonNull(directory, "directory cannot be null");
    return FileOfflineQueue.open(new QueueConfig(this), directory);
  }
}
