package dev.closedloop.sync.realtime.spi;

import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Scheduler;
import java.time.Duration;
import java.util.Objects;

/**
 * The options every server bus (Redis, PostgreSQL) has, for bus implementers: a bus's builder
 * holds one, its setters delegate here (so each option is validated once, with one message), and
 * {@link ServerBusCore} reads it when the bus is built. Applications set these through the
 * bus's builder.
 *
 * <ul>
 *   <li>{@link #maxEventsPerTopic}: the replay log's length per topic (default 10,000), between 1
 *       and the bound the store gives;
 *   <li>{@link #subscriberQueueCapacity}: each subscription's queue of undelivered events
 *       (default 4,096);
 *   <li>{@link #deliveryThreads}: the delivery pool (default {@link
 *       ServerLogFanout#defaultDeliveryThreads()});
 *   <li>{@link #reconnectPolicy}: the reader's backoff after a failure (default 100 ms doubling
 *       to 10 s, full jitter, no deadline; the attempt limit is ignored);
 *   <li>{@link #scheduler}: where backoff waits and {@code awaitChange} timeouts run (default
 *       {@link Scheduler#system()}).
 * </ul>
 *
 * <p>This class is not threadsafe: like the builder that holds it.
 */
public final class ServerBusOptions {
  private static final RetryPolicy<?> DEFAULT_RECONNECT = RetryPolicy.builder()
      .initialDelay(Duration.ofMillis(100))
      .maxDelay(Duration.ofSeconds(10))
      .jitter(Jitter.full())
      .noDeadline()
      .build();

  private final int maxEventsBound;
  private int maxEventsPerTopic = 10_000;
  private int subscriberQueueCapacity = 4_096;
  private int deliveryThreads = ServerLogFanout.defaultDeliveryThreads();
  private RetryPolicy<?> reconnectPolicy = DEFAULT_RECONNECT;
  private Scheduler scheduler = Scheduler.system();

  /**
   * @param maxEventsBound the largest {@link #maxEventsPerTopic} the bus's store handles
   * @throws IllegalArgumentException if {@code maxEventsBound} is below 10,000 (the default)
   */
  public ServerBusOptions(int maxEventsBound) {
    if (maxEventsBound < 10_000) {
      throw new IllegalArgumentException("maxEventsBound must be at least 10000: " + maxEventsBound);
    }
    this.maxEventsBound = maxEventsBound;
  }

  /**
   * Sets the length of each topic's replay log.
   *
   * @throws IllegalArgumentException if {@code max} is below 1 or above the bound
   */
  public void maxEventsPerTopic(int max) {
    if (max < 1 || max > maxEventsBound) {
      throw new IllegalArgumentException("maxEventsPerTopic must be between 1 and " + maxEventsBound + ": " + max);
    }
    this.maxEventsPerTopic = max;
  }

  /**
   * Sets the bound of each subscription's queue.
   *
   * @throws IllegalArgumentException if {@code capacity < 1}
   */
  public void subscriberQueueCapacity(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("subscriberQueueCapacity must be at least 1: " + capacity);
    }
    this.subscriberQueueCapacity = capacity;
  }

  /**
   * Sets the size of the delivery pool.
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public void deliveryThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("deliveryThreads must be at least 1: " + threads);
    }
    this.deliveryThreads = threads;
  }

  /**
   * Sets the reader's backoff policy.
   *
   * @throws NullPointerException if {@code policy} is null
   */
  public void reconnectPolicy(RetryPolicy<?> policy) {
    this.reconnectPolicy = Objects.requireNonNull(policy, "policy cannot be null");
  }

  /**
   * Sets the scheduler of backoff waits and {@code awaitChange} timeouts.
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  public void scheduler(Scheduler scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
  }

  /** Returns the length of each topic's replay log. */
  public int maxEventsPerTopic() {
    return maxEventsPerTopic;
  }

  /** Returns the bound of each subscription's queue. */
  public int subscriberQueueCapacity() {
    return subscriberQueueCapacity;
  }

  /** Returns the size of the delivery pool. */
  public int deliveryThreads() {
    return deliveryThreads;
  }

  /** Returns the reader's backoff policy. */
  public RetryPolicy<?> reconnectPolicy() {
    return reconnectPolicy;
  }

  /** Returns the scheduler of backoff waits and {@code awaitChange} timeouts. */
  public Scheduler scheduler() {
    return scheduler;
  }

  @Override
  public String toString() {
    return "ServerBusOptions[maxEventsPerTopic=" + maxEventsPerTopic + ", subscriberQueueCapacity="
        + subscriberQueueCapacity + ", deliveryThreads=" + deliveryThreads + "]";
  }
}
