package dev.closedloop.sync.realtime;

import dev.closedloop.sync.realtime.spi.ChangeWaiters;
import dev.closedloop.sync.realtime.spi.SubscriberQueues;
import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The embedded {@link RealtimeBus}: fan-out inside one JVM, with a bounded replay log and a
 * latest-state cache per topic. Build it with {@link #builder()}; {@link #create()} takes the
 * defaults.
 *
 * <ul>
 *   <li><b>Replay log</b>: per topic, bounded by count (default 10,000 events), bytes (default
 *       16 MiB, by {@link ChangeEvent#approximateSizeBytes()}) and age (default 1 hour, on the
 *       {@link Ticker}); trimmed as events are published and before every replay, with no
 *       background thread. Positions are 1, 2, 3… per topic.
 *   <li><b>Latest state</b>: per topic, the last {@code INSERT}/{@code UPDATE} of each key (a
 *       {@code DELETE} removes it), bounded by entries (default 100,000 per topic; the least
 *       recently changed key goes first).
 *   <li><b>Delivery</b>: every subscription has its own bounded queue (default 4,096 events),
 *       drained serially by a shared executor (default one daemon thread per core, dying when idle), 64
 *       events per turn so that one busy subscription does not starve others. Publishing only
 *       appends to queues and never runs a listener. A listener that throws is logged; one that
 *       blocks holds one delivery thread and fills only its own queue; when a queue overflows,
 *       its subscription ends with {@link CloseReason#OVERFLOW}.
 *   <li><b>Close</b>: publishing fails, subscriptions receive what was queued and then
 *       {@link CloseReason#BUS_CLOSED}, pending {@link #awaitChange} futures fail, and the owned
 *       delivery threads stop once every subscription has been told.
 * </ul>
 *
 * <p>Concurrency: each topic has one lock; publish, subscribe (with its replay) and replay take
 * it, so a subscription's replay and its first live event are consecutive. Locks are never
 * nested and no listener runs under one.
 *
 * <p>This class is threadsafe.
 */
public final class InProcessRealtimeBus implements RealtimeBus {
  /** The bounds of each topic. */
  record Limits(int maxEvents, long maxBytes, long maxAgeNanos, int maxLatestPerTopic) {}

  private final Limits limits;
  private final SubscriberQueues fanout;
  private final Clock clock;
  private final Ticker ticker;

  private final ConcurrentHashMap<String, TopicState> topics = new ConcurrentHashMap<>();
  private final ChangeWaiters waiters;
  private final AtomicLong published = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();

  InProcessRealtimeBus(InProcessRealtimeBusBuilder b, Limits limits) {
    this.limits = limits;
    Executor given = b.deliveryExecutor;
    this.fanout = given == null
        ? SubscriberQueues.withOwnPool(b.queueCapacity, b.deliveryThreads, this::unregister)
        : SubscriberQueues.withExecutor(b.queueCapacity, given, this::unregister);
    this.clock = b.clock;
    this.ticker = b.ticker;
    this.waiters = new ChangeWaiters(b.scheduler, closed::get, "realtime bus is closed",
        () -> new IllegalStateException("realtime bus is closed"));
  }

  /** Returns a builder with the defaults above. */
  public static InProcessRealtimeBusBuilder builder() {
    return new InProcessRealtimeBusBuilder();
  }

  /** Returns a bus with the defaults above. */
  public static InProcessRealtimeBus create() {
    return builder().build();
  }

  private TopicState topic(String name) {
    TopicState t = topics.get(name);
    if (t == null) {
      Topics.requireValid(name);
      t = topics.computeIfAbsent(name, n -> new TopicState(n, limits.maxLatestPerTopic()));
    }
    return t;
  }

  @Override
  public long publish(ChangeDraft draft) {
    Objects.requireNonNull(draft, "draft cannot be null");
    ensureOpen();
    TopicState t = topic(draft.topic());
    ChangeEvent event;
    t.lock.lock();
    try {
      ensureOpen(); // a close that raced us has already ended the subscriptions
      event = ChangeEvent.of(draft, t.nextPosition(), Instant.ofEpochMilli(clock.millis()));
      t.append(event, ticker.read(), limits);
      for (SubscriberQueues.Member s : t.subscribers) {
        s.offer(event);
      }
    } finally {
      t.lock.unlock();
    }
    published.incrementAndGet();
    waiters.offer(event);
    return event.position();
  }

  @Override
  public Subscription subscribe(Set<String> topicNames, Cursor after, RealtimeListener listener) {
    Objects.requireNonNull(topicNames, "topics cannot be null");
    Objects.requireNonNull(after, "after cannot be null");
    Objects.requireNonNull(listener, "listener cannot be null");
    if (topicNames.isEmpty()) {
      throw new IllegalArgumentException("topics must not be empty");
    }
    TreeSet<String> sorted = new TreeSet<>();
    for (String name : topicNames) {
      sorted.add(Topics.requireValid(name));
    }
    ensureOpen();
    SubscriberQueues.Member sub = fanout.open(sorted, listener);
    Cursor start = Cursor.EMPTY;
    Map<String, String> resets = new TreeMap<>();
    List<ChangeEvent> replayed = new ArrayList<>();
    long now = ticker.read();
    for (String name : sorted) {
      TopicState t = topic(name);
      t.lock.lock();
      try {
        OptionalLong requested = after.position(name);
        long from = t.head();
        if (requested.isPresent()) {
          t.trim(now, limits);
          Replay r = t.replayLocked(requested.getAsLong());
          if (r.isGap()) {
            resets.put(name, Objects.requireNonNull(r.gapReason()));
          } else {
            from = requested.getAsLong();
            replayed.addAll(r.events());
          }
        }
        start = start.with(name, from);
        t.subscribers.add(sub);
      } finally {
        t.lock.unlock();
      }
    }
    sub.start(start, resets, replayed);
    return sub;
  }

  @Override
  public Optional<ChangeEvent> latest(String topicName, String key) {
    Objects.requireNonNull(key, "key cannot be null");
    TopicState t = topics.get(Topics.requireValid(topicName));
    if (t == null) {
      return Optional.empty();
    }
    t.lock.lock();
    try {
      return Optional.ofNullable(t.latest(key));
    } finally {
      t.lock.unlock();
    }
  }

  @Override
  public Replay replay(String topicName, long after) {
    Topics.requireValid(topicName);
    if (after < 0) {
      throw new IllegalArgumentException("after must not be negative: " + after);
    }
    TopicState t = topics.get(topicName);
    if (t == null) {
      return after == 0
          ? Replay.of(List.of(), 0)
          : Replay.gap("position " + after + " is ahead of topic " + topicName + " (head 0); the bus may have restarted", 0);
    }
    t.lock.lock();
    try {
      t.trim(ticker.read(), limits);
      return t.replayLocked(after);
    } finally {
      t.lock.unlock();
    }
  }

  @Override
  public long head(String topicName) {
    TopicState t = topics.get(Topics.requireValid(topicName));
    if (t == null) {
      return 0;
    }
    t.lock.lock();
    try {
      return t.head();
    } finally {
      t.lock.unlock();
    }
  }

  @Override
  public int subscriptionCount() {
    return fanout.subscriptionCount();
  }

  /** Returns the number of events published since the bus was created. */
  public long publishedCount() {
    return published.get();
  }

  /** Returns the number of events the replay log of {@code topic} holds now. */
  public int retainedCount(String topicName) {
    TopicState t = topics.get(Topics.requireValid(topicName));
    if (t == null) {
      return 0;
    }
    t.lock.lock();
    try {
      t.trim(ticker.read(), limits);
      return t.logSize();
    } finally {
      t.lock.unlock();
    }
  }

  /**
   * Returns a future completed with the first event published after this call that {@code
   * predicate} accepts, or failed with a {@link java.util.concurrent.TimeoutException} after {@code timeout} (measured
   * by the bus's {@link Scheduler}), or with an {@link IllegalStateException} if the bus closes.
   * No thread waits: the predicate runs on the publishing thread, so keep it cheap; if it throws,
   * the future fails with that exception. Cancelling the future unregisters it.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IllegalStateException if the bus is closed
   */
  @Override
  public CompletableFuture<ChangeEvent> awaitChange(Predicate<? super ChangeEvent> predicate, Duration timeout) {
    return waiters.await(predicate, timeout);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Take and release every topic lock, so that no publish is half done when subscriptions end.
    for (TopicState t : topics.values()) {
      t.lock.lock();
      t.lock.unlock();
    }
    fanout.close();
    waiters.closeAll();
  }

  /** Returns whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed.get();
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("realtime bus is closed");
    }
  }

  /** A subscription ended: it hears no more events. Called by the fan-out. */
  private void unregister(SubscriberQueues.Member sub) {
    for (String name : sub.topics()) {
      TopicState t = topics.get(name);
      if (t != null) {
        t.lock.lock();
        try {
          t.subscribers.remove(sub);
        } finally {
          t.lock.unlock();
        }
      }
    }
  }

  @Override
  public String toString() {
    return "InProcessRealtimeBus[topics=" + topics.size() + ", subscriptions=" + fanout.subscriptionCount()
        + (closed.get() ? ", closed" : "") + "]";
  }
}
