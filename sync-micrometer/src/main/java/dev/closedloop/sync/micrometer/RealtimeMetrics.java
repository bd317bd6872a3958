package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.time.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Meters for a {@link RealtimeBus}, of any implementation: {@link #instrument(RealtimeBus)}
 * returns a bus that forwards every call to the real one and measures what passes through it.
 * Publish and subscribe through the returned bus (and give it to {@code RealtimeSseServlet}, so
 * that the SSE streams' deliveries are measured too):
 *
 * <pre>{@code
 * RealtimeMetrics metrics = new RealtimeMetrics(registry, "events");
 * RealtimeBus bus = metrics.instrument(InProcessRealtimeBus.create());
 * RealtimeSseServlet sse = RealtimeSseServlet.builder(bus).build();
 * }</pre>
 *
 * <ul>
 *   <li>{@code sync.realtime.published} (counter): events published through the instrumented
 *       bus.
 *   <li>{@code sync.realtime.delivered} (counter, tag {@code kind}): events delivered to
 *       subscribers of the instrumented bus, {@code live} or {@code replay} (older than the
 *       subscription: resent after a {@code Last-Event-ID}). One event heard by three
 *       subscribers counts three.
 *   <li>{@code sync.realtime.fanout} (timer): for each live delivery, the time from the event's
 *       publication ({@link dev.closedloop.sync.realtime.ChangeEvent#time()}) to its delivery to
 *       the listener, on the {@link Clock}. Millisecond resolution (the event's time has no
 *       more); across nodes (Redis, PostgreSQL buses) it includes the nodes' clock offset, and a
 *       negative difference counts as 0. Replays are not timed: their age is not fan-out.
 *   <li>{@code sync.realtime.resets} (counter): topics a subscription could not resume (its
 *       subscriber must refetch state).
 *   <li>{@code sync.realtime.subscriptions} (gauge): the bus's open subscriptions, all of them
 *       (not only those made through the instrumented bus).
 *   <li>{@code sync.realtime.subscriptions.closed} (counter, tag {@code reason}: {@code
 *       unsubscribed}, {@code overflow}, {@code bus_closed}, {@code failed}): subscriptions of the
 *       instrumented bus that ended; {@code overflow} is a subscriber cut off for reading too
 *       slowly.
 * </ul>
 *
 * Every meter is tagged {@code name} and the tags given to the constructor. Use one instance
 * per bus.
 *
 * <p>Cost: a counter increment per publish; per delivery a counter increment, and for a live
 * event a clock read and a timer update, on the bus's delivery thread. A subscription that
 * resumes from a cursor reads the bus's {@link RealtimeBus#head head} of each resumed topic once,
 * to tell replays from live events.
 *
 * <p>This class is threadsafe.
 */
public final class RealtimeMetrics {
  private final MeterRegistry registry;
  private final Tags tags;
  private final Clock clock;
  final Counter published;
  final Counter deliveredLive;
  final Counter deliveredReplay;
  final Timer fanout;
  final Counter resets;
  final Map<CloseReason, Counter> closed = new EnumMap<>(CloseReason.class);

  /**
   * Registers the meters of the bus called {@code name}, timing the fan-out on the system clock.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public RealtimeMetrics(MeterRegistry registry, String name) {
    this(registry, name, Tags.empty(), Clock.system());
  }

  /**
   * Registers the meters of the bus called {@code name}, with {@code tags} added to each, timing
   * the fan-out on {@code clock} (the clock the bus stamps events with).
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public RealtimeMetrics(MeterRegistry registry, String name, Iterable<Tag> tags, Clock clock) {
    this.registry = Objects.requireNonNull(registry, "registry cannot be null");
    this.tags = Names.base(name, tags);
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    this.published = Counter.builder("sync.realtime.published")
        .description("Events published through the instrumented bus")
        .tags(this.tags)
        .register(registry);
    this.deliveredLive = delivered("live");
    this.deliveredReplay = delivered("replay");
    this.fanout = Timer.builder("sync.realtime.fanout")
        .description("Time from an event's publication to its delivery to a subscriber (live events)")
        .tags(this.tags)
        .register(registry);
    this.resets = Counter.builder("sync.realtime.resets")
        .description("Topics a subscription could not resume; the subscriber refetches state")
        .tags(this.tags)
        .register(registry);
    for (CloseReason reason : CloseReason.values()) {
      closed.put(reason, Counter.builder("sync.realtime.subscriptions.closed")
          .description("Subscriptions that ended, by reason")
          .tags(this.tags)
          .tag("reason", Names.tagValue(reason))
          .register(registry));
    }
  }

  private Counter delivered(String kind) {
    return Counter.builder("sync.realtime.delivered")
        .description("Events delivered to subscribers, live or replayed")
        .tags(tags)
        .tag("kind", kind)
        .register(registry);
  }

  /**
   * Returns a bus that forwards to {@code bus} and measures what passes through it, and
   * registers the {@code sync.realtime.subscriptions} gauge over {@code bus}. Closing the
   * returned bus closes {@code bus}.
   *
   * @throws NullPointerException if {@code bus} is null
   */
  public RealtimeBus instrument(RealtimeBus bus) {
    Objects.requireNonNull(bus, "bus cannot be null");
    Gauge.builder("sync.realtime.subscriptions", bus, RealtimeBus::subscriptionCount)
        .description("Open subscriptions of the bus")
        .tags(tags)
        .register(registry);
    return new InstrumentedRealtimeBus(bus, this);
  }

  long now() {
    return clock.millis();
  }

  @Override
  public String toString() {
    return "RealtimeMetrics" + tags;
  }
}
