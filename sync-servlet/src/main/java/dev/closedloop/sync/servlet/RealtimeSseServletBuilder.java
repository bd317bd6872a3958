package dev.closedloop.sync.servlet;

import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import java.util.Objects;

/**
 * Configures a {@link RealtimeSseServlet}. Setters validate at once; {@link #build()} copies the
 * settings, so a builder can be reused.
 *
 * <p>This class is not threadsafe.
 */
public final class RealtimeSseServletBuilder {
  final RealtimeBus bus;
  TopicAuthorizer authorizer = TopicAuthorizer.ALLOW_ALL;
  Duration heartbeat = Duration.ofSeconds(15);
  long maxBufferedBytes = 1L << 20;
  Duration retry = Duration.ofSeconds(3);
  int maxTopics = 32;
  Scheduler scheduler = Scheduler.system();
  Ticker ticker = Ticker.system();

  RealtimeSseServletBuilder(RealtimeBus bus) {
    this.bus = Objects.requireNonNull(bus, "bus cannot be null");
  }

  /**
   * Sets who may hear which topic (default: everyone hears everything).
   *
   * @throws NullPointerException if {@code authorizer} is null
   */
  public RealtimeSseServletBuilder authorizer(TopicAuthorizer authorizer) {
    this.authorizer = Objects.requireNonNull(authorizer, "authorizer cannot be null");
    return this;
  }

  /**
   * Sets how long a stream may stay silent before it gets a heartbeat comment (default 15 s).
   *
   * @throws NullPointerException if {@code interval} is null
   * @throws IllegalArgumentException if {@code interval} is shorter than 1 ms
   */
  public RealtimeSseServletBuilder heartbeat(Duration interval) {
    Objects.requireNonNull(interval, "interval cannot be null");
    if (interval.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException("heartbeat must be at least 1 ms: " + interval);
    }
    this.heartbeat = interval;
    return this;
  }

  /**
   * Sets how many unwritten bytes a stream may hold before it is cut off (default 1 MiB).
   *
   * @throws IllegalArgumentException if {@code max < 1024}
   */
  public RealtimeSseServletBuilder maxBufferedBytes(long max) {
    if (max < 1024) {
      throw new IllegalArgumentException("maxBufferedBytes must be at least 1024: " + max);
    }
    this.maxBufferedBytes = max;
    return this;
  }

  /**
   * Sets the reconnection delay suggested to clients in the {@code retry:} field (default 3 s;
   * zero sends none).
   *
   * @throws NullPointerException if {@code retry} is null
   * @throws IllegalArgumentException if {@code retry} is negative
   */
  public RealtimeSseServletBuilder retry(Duration retry) {
    Objects.requireNonNull(retry, "retry cannot be null");
    if (retry.isNegative()) {
      throw new IllegalArgumentException("retry must not be negative: " + retry);
    }
    this.retry = retry;
    return this;
  }

  /**
   * Sets how many topics one stream may hear (default 32).
   *
   * @throws IllegalArgumentException if {@code max < 1}
   */
  public RealtimeSseServletBuilder maxTopics(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("maxTopics must be at least 1: " + max);
    }
    this.maxTopics = max;
    return this;
  }

  /**
   * Sets the scheduler of the heartbeat sweep (default {@link Scheduler#system()}).
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  public RealtimeSseServletBuilder scheduler(Scheduler scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
    return this;
  }

  /**
   * Sets the ticker that measures idleness (default {@link Ticker#system()}).
   *
   * @throws NullPointerException if {@code ticker} is null
   */
  public RealtimeSseServletBuilder ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker cannot be null");
    return this;
  }

  /** Builds the servlet. */
  public RealtimeSseServlet build() {
    return new RealtimeSseServlet(this);
  }
}
