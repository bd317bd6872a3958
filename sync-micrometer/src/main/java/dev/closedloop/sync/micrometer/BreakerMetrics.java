package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.breaker.CircuitBreaker;
import dev.closedloop.sync.breaker.CircuitBreakerBuilder;
import dev.closedloop.sync.breaker.CircuitBreakerListener;
import dev.closedloop.sync.breaker.CircuitBreakerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Meters for circuit breakers. A breaker takes its listeners when it is built, so one instance
 * plays two parts: it is the {@link CircuitBreakerListener} that counts transitions (add it to
 * each breaker's builder), and {@link #bind(CircuitBreaker)} registers the gauges and counters
 * read from the built breaker's {@link CircuitBreaker#metrics()}. {@link
 * #build(CircuitBreakerBuilder)} does both:
 *
 * <pre>{@code
 * BreakerMetrics metrics = new BreakerMetrics(registry);
 * CircuitBreaker payments = metrics.build(CircuitBreaker.builder("payments").countWindow(50));
 * }</pre>
 *
 * <ul>
 *   <li>{@code sync.breaker.state} (gauge, tag {@code state}): one gauge per state ({@code
 *       closed}, {@code open}, {@code half_open}, {@code forced_open}, {@code disabled}), 1 for
 *       the current state and 0 for the others, as Resilience4j does; {@code sum by (state)} or
 *       {@code max} gives a readable panel. OPEN is reported until a call moves the breaker to
 *       HALF_OPEN (the move is lazy).
 *   <li>{@code sync.breaker.transitions} (counter, tags {@code from}, {@code to}): state changes;
 *       registered at the first transition of each pair.
 *   <li>{@code sync.breaker.calls} (function counter, tag {@code kind}): {@code successful},
 *       {@code failed} and {@code ignored} calls recorded, and {@code rejected} calls refused,
 *       since the breaker was built.
 *   <li>{@code sync.breaker.slow.calls} (function counter): slow calls recorded (slow failures
 *       included).
 *   <li>{@code sync.breaker.failure.rate} and {@code sync.breaker.slow.call.rate} (gauges,
 *       percent): the rates the breaker judges; -1 while the window holds fewer than the minimum
 *       number of calls, and in HALF_OPEN, FORCED_OPEN and DISABLED.
 *   <li>{@code sync.breaker.buffered.calls} (gauge, tag {@code kind}: {@code successful}, {@code
 *       failed}): the calls in the current window.
 *   <li>{@code sync.breaker.trials.reclaimed} (counter): half-open trial leases taken back after
 *       the probe timeout.
 * </ul>
 *
 * Every meter is tagged {@code name} (the breaker's name) and the tags given to the
 * constructor. Breakers are told apart by name: binding a second breaker of the same name
 * registers nothing new (Micrometer keeps the first meter of an id).
 *
 * <p>Cost: nothing on a breaker's permitted path (breakers report no successes or failures to
 * listeners); gauges read {@code metrics()} when the registry is scraped.
 *
 * <p>This class is threadsafe.
 */
public final class BreakerMetrics implements CircuitBreakerListener {
  private static final CircuitBreaker.State[] STATES = CircuitBreaker.State.values();

  private final MeterRegistry registry;
  private final Tags tags;

  /**
   * Creates the listener and binder for breakers measured in {@code registry}.
   *
   * @throws NullPointerException if {@code registry} is null
   */
  public BreakerMetrics(MeterRegistry registry) {
    this(registry, Tags.empty());
  }

  /**
   * Creates the listener and binder for breakers measured in {@code registry}, with {@code tags}
   * added to every meter.
   *
   * @throws NullPointerException if an argument is null
   */
  public BreakerMetrics(MeterRegistry registry, Iterable<Tag> tags) {
    this.registry = Objects.requireNonNull(registry, "registry cannot be null");
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags cannot be null"));
  }

  /**
   * Adds this listener to {@code builder}, builds the breaker and {@linkplain #bind binds} it.
   * The builder keeps the listener, so a breaker it builds later is measured too once bound.
   *
   * @return the built breaker
   * @throws NullPointerException if {@code builder} is null
   * @throws IllegalStateException as {@link CircuitBreakerBuilder#build()}
   */
  public CircuitBreaker build(CircuitBreakerBuilder builder) {
    Objects.requireNonNull(builder, "builder cannot be null");
    return bind(builder.listener(this).build());
  }

  /**
   * Registers the gauges and function counters of {@code breaker}, read from its {@link
   * CircuitBreaker#metrics()}. Transitions are counted only if this instance is also one of the
   * breaker's listeners.
   *
   * @return {@code breaker}
   * @throws NullPointerException if {@code breaker} is null
   */
  public CircuitBreaker bind(CircuitBreaker breaker) {
    Objects.requireNonNull(breaker, "breaker cannot be null");
    Tags named = tags.and(Names.NAME, breaker.name());
    for (CircuitBreaker.State state : STATES) {
      Gauge.builder("sync.breaker.state", breaker, b -> b.state() == state ? 1 : 0)
          .description("1 for the breaker's current state, 0 for the others")
          .tags(named)
          .tag("state", Names.tagValue(state))
          .register(registry);
    }
    calls(breaker, named, "successful", CircuitBreakerMetrics::totalSuccessfulCalls);
    calls(breaker, named, "failed", CircuitBreakerMetrics::totalFailedCalls);
    calls(breaker, named, "ignored", CircuitBreakerMetrics::totalIgnoredCalls);
    calls(breaker, named, "rejected", CircuitBreakerMetrics::rejectedCalls);
    FunctionCounter.builder("sync.breaker.slow.calls", breaker, b -> b.metrics().totalSlowCalls())
        .description("Slow calls recorded since the breaker was built, slow failures included")
        .tags(named)
        .register(registry);
    gauge(breaker, named, "sync.breaker.failure.rate", "Failed calls in percent of the window; -1 before the minimum",
        m -> m.failureRate());
    gauge(breaker, named, "sync.breaker.slow.call.rate", "Slow calls in percent of the window; -1 before the minimum",
        m -> m.slowCallRate());
    Gauge.builder("sync.breaker.buffered.calls", breaker, b -> b.metrics().successfulCalls())
        .description("Calls in the breaker's current window")
        .tags(named)
        .tag("kind", "successful")
        .register(registry);
    Gauge.builder("sync.breaker.buffered.calls", breaker, b -> b.metrics().failedCalls())
        .description("Calls in the breaker's current window")
        .tags(named)
        .tag("kind", "failed")
        .register(registry);
    reclaimed(breaker.name());
    return breaker;
  }

  private void calls(CircuitBreaker breaker, Tags named, String kind, ToDoubleFunction<CircuitBreakerMetrics> f) {
    FunctionCounter.builder("sync.breaker.calls", breaker, b -> f.applyAsDouble(b.metrics()))
        .description("Calls recorded (successful, failed, ignored) or refused (rejected) since the breaker was built")
        .tags(named)
        .tag("kind", kind)
        .register(registry);
  }

  private void gauge(CircuitBreaker breaker, Tags named, String meter, String description,
      ToDoubleFunction<CircuitBreakerMetrics> f) {
    Gauge.builder(meter, breaker, b -> f.applyAsDouble(b.metrics()))
        .description(description)
        .baseUnit("percent")
        .tags(named)
        .register(registry);
  }

  private Counter reclaimed(String breakerName) {
    return Counter.builder("sync.breaker.trials.reclaimed")
        .description("Half-open trial leases reclaimed after the probe timeout")
        .tags(tags)
        .tag(Names.NAME, breakerName)
        .register(registry);
  }

  @Override
  public void onStateTransition(String breakerName, CircuitBreaker.State from, CircuitBreaker.State to) {
    Counter.builder("sync.breaker.transitions")
        .description("Circuit breaker state changes")
        .tags(tags)
        .tag(Names.NAME, breakerName)
        .tag("from", Names.tagValue(from))
        .tag("to", Names.tagValue(to))
        .register(registry)
        .increment();
  }

  @Override
  public void onTrialReclaimed(String breakerName) {
    reclaimed(breakerName).increment();
  }

  @Override
  public String toString() {
    return "BreakerMetrics" + tags;
  }
}
