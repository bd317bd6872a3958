package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.queue.DrainSummary;
import dev.closedloop.sync.queue.Offer;
import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.queue.OfflineQueueBuilder;
import dev.closedloop.sync.queue.OfflineQueueFullException;
import dev.closedloop.sync.queue.OfflineQueueListener;
import dev.closedloop.sync.queue.QueueStats;
import dev.closedloop.sync.queue.QueuedItem;
import dev.closedloop.sync.queue.RecoveryReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Meters for one {@link OfflineQueue}. A queue takes its listeners when it is built, so this
 * class plays two parts: it is the {@link OfflineQueueListener} that counts dead letters, drain
 * outcomes, refused offers and recovery problems (add it with {@link OfflineQueueBuilder#listener}), and {@link
 * #bind(OfflineQueue, int...)} registers the gauges read from the built queue's {@link
 * OfflineQueue#stats()}:
 *
 * <pre>{@code
 * OfflineQueueMetrics metrics = new OfflineQueueMetrics(registry, "outbox");
 * OfflineQueue queue = OfflineQueue.builder().listener(metrics).open(dir);
 * metrics.bind(queue, Priority.HIGH, Priority.NORMAL, Priority.LOW);
 * }</pre>
 *
 * <ul>
 *   <li>{@code sync.queue.depth} (gauge, tag {@code priority}): waiting items in each lane named
 *       to {@code bind}. Lanes are the app's own numbers, so they are named explicitly; an item in
 *       a lane not named still counts in {@code sync.queue.waiting}.
 *   <li>{@code sync.queue.waiting} (gauge): waiting items in all lanes.
 *   <li>{@code sync.queue.in.flight} (gauge): items handed out and not yet settled.
 *   <li>{@code sync.queue.dead.letters} (gauge): dead letters held now.
 *   <li>{@code sync.queue.oldest.age} (time gauge): how long ago the oldest waiting or in-flight
 *       item was offered; 0 when there is none.
 *   <li>{@code sync.queue.dead.lettered} (counter): items that became dead letters.
 *   <li>{@code sync.queue.drained} (counter, tag {@code outcome}: {@code succeeded}, {@code
 *       retried}, {@code dead_lettered}): items that {@code drain} calls took, by what became of
 *       them.
 *   <li>{@code sync.queue.offers.refused} (counter): offers a full queue refused ({@link
 *       dev.closedloop.sync.queue.OfflineQueueFullException}: its bound on items or bytes); nothing
 *       of them was written.
 *   <li>{@code sync.queue.recovery.problems} (counter): damaged or leftover regions a file queue
 *       skipped, truncated or removed when it opened (each is also logged once at WARN).
 * </ul>
 *
 * Every meter is tagged {@code name} and the tags given to the constructor. Gauges take the
 * queue's lock for a moment when the registry is scraped; the counters add nothing but an
 * increment to the queue's events.
 *
 * <p>This class is threadsafe.
 */
public final class OfflineQueueMetrics implements OfflineQueueListener {
  private final MeterRegistry registry;
  private final Tags tags;
  private final Counter deadLettered;
  private final Counter drainSucceeded;
  private final Counter drainRetried;
  private final Counter drainDeadLettered;
  private final Counter recoveryProblems;
  private final Counter offersRefused;

  /**
   * Registers the counters of the queue called {@code name}; {@link #bind} registers the gauges.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public OfflineQueueMetrics(MeterRegistry registry, String name) {
    this(registry, name, Tags.empty());
  }

  /**
   * Registers the counters of the queue called {@code name}, with {@code tags} added to every
   * meter; {@link #bind} registers the gauges.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public OfflineQueueMetrics(MeterRegistry registry, String name, Iterable<Tag> tags) {
    this.registry = Objects.requireNonNull(registry, "registry cannot be null");
    this.tags = Names.base(name, tags);
    this.deadLettered = Counter.builder("sync.queue.dead.lettered")
        .description("Items that became dead letters")
        .tags(this.tags)
        .register(registry);
    this.drainSucceeded = drained("succeeded");
    this.drainRetried = drained("retried");
    this.drainDeadLettered = drained("dead_lettered");
    this.offersRefused = Counter.builder("sync.queue.offers.refused")
        .description("Offers refused because the queue was full (its bound on items or bytes)")
        .tags(this.tags)
        .register(registry);
    this.recoveryProblems = Counter.builder("sync.queue.recovery.problems")
        .description("Damaged or leftover regions skipped, truncated or removed when the queue opened")
        .tags(this.tags)
        .register(registry);
  }

  private Counter drained(String outcome) {
    return Counter.builder("sync.queue.drained")
        .description("Items taken by drain calls, by what became of them")
        .tags(tags)
        .tag("outcome", outcome)
        .register(registry);
  }

  /**
   * Registers the gauges of {@code queue}: one {@code sync.queue.depth} per lane in {@code
   * lanes}, and the totals.
   *
   * @param lanes the priority lanes to report a depth for (duplicates are ignored)
   * @return {@code queue}
   * @throws NullPointerException if {@code queue} or {@code lanes} is null
   */
  public OfflineQueue bind(OfflineQueue queue, int... lanes) {
    Objects.requireNonNull(queue, "queue cannot be null");
    Objects.requireNonNull(lanes, "lanes cannot be null");
    for (int lane : lanes) {
      Gauge.builder("sync.queue.depth", queue, q -> read(q, s -> s.depthByPriority().getOrDefault(lane, 0)))
          .description("Waiting items in the priority lane")
          .tags(tags)
          .tag("priority", Integer.toString(lane))
          .register(registry);
    }
    gauge(queue, "sync.queue.waiting", "Waiting items in all lanes", QueueStats::waiting);
    gauge(queue, "sync.queue.in.flight", "Items handed out and not yet settled", QueueStats::inFlight);
    gauge(queue, "sync.queue.dead.letters", "Dead letters held", QueueStats::deadLetters);
    TimeGauge.builder("sync.queue.oldest.age", queue, TimeUnit.MILLISECONDS,
            q -> read(q, s -> s.oldestAge().toMillis()))
        .description("Age of the oldest waiting or in-flight item")
        .tags(tags)
        .register(registry);
    return queue;
  }

  /** Reads the queue's stats; NaN once the queue is closed (its operations then refuse). */
  private static double read(OfflineQueue queue, ToDoubleFunction<QueueStats> f) {
    QueueStats stats;
    try {
      stats = queue.stats();
    } catch (IllegalStateException closed) {
      return Double.NaN;
    }
    return f.applyAsDouble(stats);
  }

  private void gauge(OfflineQueue queue, String name, String description, ToDoubleFunction<QueueStats> f) {
    Gauge.builder(name, queue, q -> read(q, f))
        .description(description)
        .tags(tags)
        .register(registry);
  }

  @Override
  public void onOfferRefused(Offer offer, OfflineQueueFullException reason) {
    offersRefused.increment();
  }

  @Override
  public void onDeadLettered(QueuedItem item) {
    deadLettered.increment();
  }

  @Override
  public void onDrained(DrainSummary summary) {
    drainSucceeded.increment(summary.succeeded());
    drainRetried.increment(summary.retried());
    drainDeadLettered.increment(summary.deadLettered());
  }

  @Override
  public void onRecovered(RecoveryReport report) {
    recoveryProblems.increment(report.problems().size());
  }

  @Override
  public String toString() {
    return "OfflineQueueMetrics" + tags;
  }
}
