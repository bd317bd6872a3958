package dev.closedloop.sync.realtime;

import dev.closedloop.sync.realtime.spi.ServerLogFanout;
import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * Configures an {@link InProcessRealtimeBus}. Every setter validates at once; {@link #build()}
 * copies the settings, so a builder can be reused.
 *
 * <p>This class is not threadsafe.
 */
public final class InProcessRealtimeBusBuilder {
  int maxEventsPerTopic = 10_000;
  long maxBytesPerTopic = 16L << 20;
  Duration maxAge = Duration.ofHours(1);
  int maxLatestPerTopic = 100_000;
  int queueCapacity = 4_096;
  int deliveryThreads = ServerLogFanout.defaultDeliveryThreads();
  boolean deliveryThreadsSet;
  @Nullable Executor deliveryExecutor;
  Clock clock = Clock.system();
  Ticker ticker = Ticker.system();
  Scheduler scheduler = Scheduler.system();

  InProcessRealtimeBusBuilder() {}

  /**
   * Sets how many events the replay log keeps per topic (default 10,000).
   *
   * @throws IllegalArgumentException if {@code max < 1}
   */
  public InProcessRealtimeBusBuilder maxEventsPerTopic(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("maxEventsPerTopic must be at least 1: " + max);
    }
    this.maxEventsPerTopic = max;
    return this;
  }

  /**
   * Sets how many bytes ({@link ChangeEvent#approximateSizeBytes()}) the replay log keeps per
   * topic (default 16 MiB). The newest event is always kept, whatever its size.
   *
   * @throws IllegalArgumentException if {@code max < 1}
   */
  public InProcessRealtimeBusBuilder maxBytesPerTopic(long max) {
    if (max < 1) {
      throw new IllegalArgumentException("maxBytesPerTopic must be at least 1: " + max);
    }
    this.maxBytesPerTopic = max;
    return this;
  }

  /**
   * Sets how long the replay log keeps an event (default 1 hour).
   *
   * @throws NullPointerException if {@code maxAge} is null
   * @throws IllegalArgumentException if {@code maxAge} is not positive
   */
  public InProcessRealtimeBusBuilder maxAge(Duration maxAge) {
    Objects.requireNonNull(maxAge, "maxAge cannot be null");
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("maxAge must be positive: " + maxAge);
    }
    this.maxAge = maxAge;
    return this;
  }

  /**
   * Sets how many keys the latest-state cache keeps per topic (default 100,000; 0 disables it).
   *
   * @throws IllegalArgumentException if {@code max < 0}
   */
  public InProcessRealtimeBusBuilder maxLatestPerTopic(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("maxLatestPerTopic must not be negative: " + max);
    }
    this.maxLatestPerTopic = max;
    return this;
  }

  /**
   * Sets how many undelivered live events a subscription may hold before it is closed with
   * {@link CloseReason#OVERFLOW} (default 4,096). Replayed events do not count: the log bounds
   * them.
   *
   * @throws IllegalArgumentException if {@code capacity < 1}
   */
  public InProcessRealtimeBusBuilder subscriberQueueCapacity(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("subscriberQueueCapacity must be at least 1: " + capacity);
    }
    this.queueCapacity = capacity;
    return this;
  }

  /**
   * Sets the size of the bus's own delivery pool (default one daemon thread per core, {@link
   * ServerLogFanout#defaultDeliveryThreads()}, created on demand and stopped after 10 s idle). A
   * listener that blocks holds one of them: give a bus with such listeners more.
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public InProcessRealtimeBusBuilder deliveryThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("deliveryThreads must be at least 1: " + threads);
    }
    this.deliveryThreads = threads;
    this.deliveryThreadsSet = true;
    return this;
  }

  /**
   * Delivers on {@code executor} instead of the bus's own pool; the caller owns and shuts it
   * down (after closing the bus).
   *
   * @throws NullPointerException if {@code executor} is null
   */
  public InProcessRealtimeBusBuilder deliveryExecutor(Executor executor) {
    this.deliveryExecutor = Objects.requireNonNull(executor, "executor cannot be null");
    return this;
  }

  /**
   * Sets the wall clock that stamps {@link ChangeEvent#time()} (default the system clock).
   *
   * @throws NullPointerException if {@code clock} is null
   */
  public InProcessRealtimeBusBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    return this;
  }

  /**
   * Sets the ticker that ages the replay log (default the system ticker).
   *
   * @throws NullPointerException if {@code ticker} is null
   */
  public InProcessRealtimeBusBuilder ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker cannot be null");
    return this;
  }

  /**
   * Sets the scheduler that times out {@link InProcessRealtimeBus#awaitChange} (default {@link
   * Scheduler#system()}).
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  public InProcessRealtimeBusBuilder scheduler(Scheduler scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
    return this;
  }

  /**
   * Builds the bus.
   *
   * @throws IllegalStateException if both {@link #deliveryThreads} and {@link
   *     #deliveryExecutor} were set
   */
  public InProcessRealtimeBus build() {
    if (deliveryExecutor != null && deliveryThreadsSet) {
      throw new IllegalStateException("set either deliveryThreads or deliveryExecutor, not both");
    }
    InProcessRealtimeBus.Limits limits =
        new InProcessRealtimeBus.Limits(
            maxEventsPerTopic, maxBytesPerTopic, saturatedNanos(maxAge), maxLatestPerTopic);
    return new InProcessRealtimeBus(this, limits);
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException overflow) {
      return Long.MAX_VALUE;
    }
  }

}
