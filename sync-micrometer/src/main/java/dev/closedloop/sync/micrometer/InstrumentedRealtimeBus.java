package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Replay;
import dev.closedloop.sync.realtime.Subscription;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The bus {@link RealtimeMetrics#instrument} returns: every call goes to the real bus; publishes
 * are counted and subscribers' listeners wrapped. Not part of the API.
 *
 * <p>This class is threadsafe: it holds no state of its own beyond the real bus and the meters.
 */
final class InstrumentedRealtimeBus implements RealtimeBus {
  private final RealtimeBus bus;
  private final RealtimeMetrics metrics;

  InstrumentedRealtimeBus(RealtimeBus bus, RealtimeMetrics metrics) {
    this.bus = bus;
    this.metrics = metrics;
  }

  @Override
  public long publish(ChangeDraft draft) {
    long position = bus.publish(draft);
    metrics.published.increment();
    return position;
  }

  @Override
  public Subscription subscribe(Set<String> topics, Cursor after, RealtimeListener listener) {
    Objects.requireNonNull(topics, "topics cannot be null");
    Objects.requireNonNull(after, "after cannot be null");
    Objects.requireNonNull(listener, "listener cannot be null");
    // An event at or below a resumed topic's head before subscribing existed already: a replay.
    Map<String, Long> replayUpTo = new HashMap<>();
    if (!after.isEmpty()) {
      for (String topic : topics) {
        OptionalLong requested = after.position(topic);
        if (requested.isPresent()) {
          replayUpTo.put(topic, bus.head(topic));
        }
      }
    }
    return bus.subscribe(topics, after, new MeasuredListener(listener, Map.copyOf(replayUpTo), metrics));
  }

  @Override
  public Optional<ChangeEvent> latest(String topic, String key) {
    return bus.latest(topic, key);
  }

  @Override
  public CompletableFuture<ChangeEvent> awaitChange(Predicate<? super ChangeEvent> predicate, Duration timeout) {
    return bus.awaitChange(predicate, timeout);
  }

  @Override
  public Replay replay(String topic, long after) {
    return bus.replay(topic, after);
  }

  @Override
  public long head(String topic) {
    return bus.head(topic);
  }

  @Override
  public int subscriptionCount() {
    return bus.subscriptionCount();
  }

  @Override
  public void close() {
    bus.close();
  }

  @Override
  public String toString() {
    return "Instrumented[" + bus + "]";
  }

  /** Counts and times one subscriber's deliveries; calls are serial per subscription. */
  private static final class MeasuredListener implements RealtimeListener {
    private final RealtimeListener delegate;
    private final Map<String, Long> replayUpTo;
    private final RealtimeMetrics metrics;

    MeasuredListener(RealtimeListener delegate, Map<String, Long> replayUpTo, RealtimeMetrics metrics) {
      this.delegate = delegate;
      this.replayUpTo = replayUpTo;
      this.metrics = metrics;
    }

    @Override
    public void onSubscribed(Cursor start) {
      delegate.onSubscribed(start);
    }

    @Override
    public void onReset(String topic, long head, String reason) {
      metrics.resets.increment();
      delegate.onReset(topic, head, reason);
    }

    @Override
    public void onEvent(ChangeEvent event) {
      Long bound = replayUpTo.isEmpty() ? null : replayUpTo.get(event.topic());
      if (bound != null && event.position() <= bound) {
        metrics.deliveredReplay.increment();
      } else {
        metrics.deliveredLive.increment();
        long lag = metrics.now() - event.time().toEpochMilli();
        metrics.fanout.record(Math.max(0, lag), TimeUnit.MILLISECONDS);
      }
      delegate.onEvent(event);
    }

    @Override
    public void onClosed(CloseReason reason) {
      Objects.requireNonNull(metrics.closed.get(reason)).increment();
      delegate.onClosed(reason);
    }

    /** The bus names the listener in its logs: show the subscriber's. */
    @Override
    public String toString() {
      return delegate.toString();
    }
  }
}
