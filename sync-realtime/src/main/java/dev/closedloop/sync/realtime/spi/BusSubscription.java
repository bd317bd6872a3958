package dev.closedloop.sync.realtime.spi;

import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Subscription;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription of the in-process bus, and its serial drain.
 *
 * <p>Concurrency: publishers (under a topic lock) append to {@link #live} and bump
 * {@link #liveCount}; nothing else of theirs is touched. One drain at a time runs on the delivery
 * executor: {@link #scheduled} is the ticket, taken by CAS; the drain re-checks for work after
 * dropping it, so a publisher that found the ticket taken never strands an event. The subscribing
 * thread holds the ticket until the initial items (start, resets, replay) are complete, so they
 * are delivered before any live event. {@link #reason} is set once by CAS; whoever sets it
 * decrements the bus's subscription count, and the drain delivers {@code onClosed} once. The
 * three are plain volatile fields updated through {@link VarHandle}s, not atomic objects: a node
 * holds one subscription per open stream, tens of thousands of them.
 */
final class BusSubscription implements Subscription, Runnable {
  private static final Logger log = LoggerFactory.getLogger(SubscriberQueues.class);
  private static final int BATCH = 64;
  private static final VarHandle LIVE_COUNT;
  private static final VarHandle SCHEDULED;
  private static final VarHandle REASON;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      LIVE_COUNT = l.findVarHandle(BusSubscription.class, "liveCount", int.class);
      SCHEDULED = l.findVarHandle(BusSubscription.class, "scheduled", boolean.class);
      REASON = l.findVarHandle(BusSubscription.class, "reason", CloseReason.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** What a subscription tells the fan-out that made it. */
  interface Owner {
    /** The subscription ended (its reason was set); called once. */
    void subscriptionEnded(BusSubscription s);

    /** The subscription should hear no more events; may be called more than once. */
    void unregister(BusSubscription s);

    /** The subscription delivered its {@code onClosed}; called once. */
    void drainFinished(BusSubscription s);
  }

  private final long id;
  private final Owner bus;
  private final Set<String> topics;
  private final RealtimeListener listener;
  private final int capacity;
  private final Executor executor;

  private final ConcurrentLinkedQueue<ChangeEvent> live = new ConcurrentLinkedQueue<>();
  private volatile int liveCount; // through LIVE_COUNT
  private volatile boolean scheduled = true; // through SCHEDULED; held by subscribe()
  private volatile @Nullable CloseReason reason; // through REASON

  // Written by the subscribing thread before the first drain, then read by drains only.
  private volatile Cursor start = Cursor.EMPTY;
  private volatile Set<String> resetTopics = Set.of();
  private volatile @Nullable List<Object> initial = new ArrayList<>();
  private int initialIndex;
  private volatile boolean closedDelivered;

  /** An initial item: the requested position of {@code topic} could not be resumed. */
  record Reset(String topic, long head, String reason) {}

  BusSubscription(
      long id, Owner bus, Set<String> topics, RealtimeListener listener, int capacity, Executor executor) {
    this.id = id;
    this.bus = bus;
    this.topics = topics;
    this.listener = listener;
    this.capacity = capacity;
    this.executor = executor;
  }

  // ---- subscribing thread -------------------------------------------------------------------

  /** Completes the initial items and lets the drain run. */
  void start(Cursor start, List<Reset> resets, List<ChangeEvent> replayed, Set<String> resetTopics) {
    this.start = start;
    this.resetTopics = Set.copyOf(resetTopics);
    List<Object> items = new ArrayList<>(1 + resets.size() + replayed.size());
    items.add(start);
    items.addAll(resets);
    items.addAll(replayed);
    this.initial = items;
    submit(); // hand over the ticket taken at construction
  }

  // ---- publishers ---------------------------------------------------------------------------

  /** Queues a live event; on overflow ends the subscription. Called with the topic lock held. */
  void offer(ChangeEvent event) {
    if (reason != null) {
      return;
    }
    if ((int) LIVE_COUNT.getAndAdd(this, 1) + 1 > capacity) {
      LIVE_COUNT.getAndAdd(this, -1);
      log.warn(
          "Realtime subscription {} to {} ({}) fell {} events behind; closing it (OVERFLOW), its queued events"
              + " are dropped and its subscriber must resume",
          id, topics, listener, capacity);
      closeWith(CloseReason.OVERFLOW);
      return;
    }
    live.add(event);
    signal();
  }

  /** Ends the subscription with {@code why} unless it has ended; returns whether this call did. */
  boolean closeWith(CloseReason why) {
    if (!REASON.compareAndSet(this, (CloseReason) null, why)) {
      return false;
    }
    bus.subscriptionEnded(this);
    signal();
    return true;
  }

  @Override
  public void close() {
    if (closeWith(CloseReason.UNSUBSCRIBED)) {
      bus.unregister(this);
    }
  }

  /** Unregisters at once, for an end that drops what is queued. */
  void unregisterNow() {
    bus.unregister(this);
  }

  // ---- the drain ----------------------------------------------------------------------------

  private void signal() {
    if (SCHEDULED.compareAndSet(this, false, true)) {
      submit();
    }
  }

  private void submit() {
    try {
      executor.execute(this);
    } catch (RejectedExecutionException e) {
      // The delivery executor is gone (a caller-owned one was shut down): deliver here rather
      // than strand the subscription; this thread is a publisher's or a closer's.
      log.warn("Realtime delivery executor rejected subscription {}; delivering on the caller", id);
      run();
    }
  }

  @Override
  public void run() {
    try {
      drain();
    } finally {
      scheduled = false;
      if (hasWork() && SCHEDULED.compareAndSet(this, false, true)) {
        submit();
      }
    }
  }

  private boolean hasWork() {
    if (closedDelivered) {
      return false;
    }
    return reason != null || !live.isEmpty() || initial != null;
  }

  private void drain() {
    if (closedDelivered) {
      live.clear();
      return;
    }
    int delivered = 0;
    List<Object> items = initial;
    if (items != null) {
      while (initialIndex < items.size() && delivered < BATCH) {
        if (endedAbruptly()) {
          finish();
          return;
        }
        deliverInitial(items.get(initialIndex++));
        delivered++;
      }
      if (initialIndex < items.size()) {
        return; // more next run; fairness with other subscriptions
      }
      initial = null;
    }
    while (delivered < BATCH) {
      if (endedAbruptly()) {
        finish();
        return;
      }
      ChangeEvent e = live.poll();
      if (e == null) {
        break;
      }
      LIVE_COUNT.getAndAdd(this, -1);
      deliver(e);
      delivered++;
    }
    if (reason != null && (live.isEmpty() || endedAbruptly())) {
      finish();
    }
  }

  /** True when the subscription ended in a way that drops what is queued. */
  private boolean endedAbruptly() {
    CloseReason r = reason;
    return r != null && r != CloseReason.BUS_CLOSED;
  }

  private void finish() {
    CloseReason r = reason;
    closedDelivered = true;
    initial = null;
    live.clear();
    bus.unregister(this);
    try {
      listener.onClosed(r == null ? CloseReason.UNSUBSCRIBED : r);
    } catch (RuntimeException | Error t) {
      log.warn("Realtime listener {} threw from onClosed", listener, t);
    }
    bus.drainFinished(this);
  }

  private void deliverInitial(Object item) {
    try {
      if (item instanceof Cursor c) {
        listener.onSubscribed(c);
      } else if (item instanceof Reset r) {
        listener.onReset(r.topic(), r.head(), r.reason());
      } else {
        listener.onEvent((ChangeEvent) item);
      }
    } catch (RuntimeException | Error t) {
      log.warn("Realtime listener {} of subscription {} threw on {}", listener, id, item, t);
    }
  }

  private void deliver(ChangeEvent e) {
    try {
      listener.onEvent(e);
    } catch (RuntimeException | Error t) {
      log.warn("Realtime listener {} of subscription {} threw on {}", listener, id, e, t);
    }
  }

  // ---- Subscription -------------------------------------------------------------------------

  @Override
  public Set<String> topics() {
    return topics;
  }

  @Override
  public Cursor start() {
    return start;
  }

  @Override
  public Set<String> resetTopics() {
    return resetTopics;
  }

  @Override
  public boolean isOpen() {
    return reason == null;
  }

  @Override
  public @Nullable CloseReason closeReason() {
    return reason;
  }

  int queued() {
    return liveCount;
  }

  @Override
  public String toString() {
    return "Subscription[" + id + " " + topics + (isOpen() ? "" : " closed: " + reason) + "]";
  }
}
