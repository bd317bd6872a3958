package dev.closedloop.sync.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.spi.ChangeEventJson;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.spi.ChangeWaiters;
import dev.closedloop.sync.realtime.spi.LatestEvents;
import dev.closedloop.sync.spi.Listeners;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link RealtimeClient} has heard, across its connections: the position seen per topic
 * (so a replayed event is heard once), the latest state per key ({@link LatestEvents}, one per
 * topic), the {@code awaitChange} futures ({@link ChangeWaiters}) and the count of events; and
 * the decoding of the stream's {@code reset} and change frames into them and into the
 * listener's calls.
 *
 * <p>Concurrency: frames arrive from one stream thread at a time; the cache is guarded by its
 * own lock because queries come from any thread; positions and waiters are concurrent
 * structures.
 *
 * <p>This class is threadsafe.
 */
final class HeardChanges {
  private static final Logger log = LoggerFactory.getLogger(RealtimeClient.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Object endpoint;
  private final RealtimeClientListener listener;
  private final int maxCachePerTopic;
  private final ChangeWaiters waiters;
  private final ConcurrentHashMap<String, Long> seen = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LatestEvents> cache = new ConcurrentHashMap<>();
  private final ReentrantLock cacheLock = new ReentrantLock();
  private final AtomicLong events = new AtomicLong();

  /**
   * @param endpoint names the stream in logs
   * @param resumeFrom the positions already heard (a client resuming where another left off)
   */
  HeardChanges(Object endpoint, Cursor resumeFrom, int maxCachePerTopic, RealtimeClientListener listener,
      ChangeWaiters waiters) {
    this.endpoint = endpoint;
    this.listener = listener;
    this.maxCachePerTopic = maxCachePerTopic;
    this.waiters = waiters;
    resumeFrom.positions().forEach(seen::put);
  }

  /** A stream opened at {@code start}: what it starts after counts as heard. */
  void subscribed(Cursor start) {
    start.positions().forEach((t, p) -> seen.merge(t, p, Math::max));
  }

  /** An {@code event: reset}: the topic starts again at its position; its cache is cleared. */
  void reset(String data) {
    String topic;
    String reason;
    long position;
    try {
      JsonNode n = MAPPER.readTree(data);
      topic = n.path("topic").asText("");
      reason = n.path("reason").asText("");
      position = n.path("position").asLong(0);
    } catch (IOException e) {
      log.warn("Realtime stream {} sent a malformed reset ({} chars): {}", endpoint, data.length(), e.getMessage());
      return;
    }
    seen.put(topic, position);
    cacheLock.lock();
    try {
      cache.remove(topic);
    } finally {
      cacheLock.unlock();
    }
    tell("onReset", () -> listener.onReset(topic, reason));
  }

  /** A change frame: heard once, cached, offered to the waiters, then told to the listener. */
  void change(String data) {
    ChangeEvent e;
    try {
      e = ChangeEventJson.fromJson(data);
    } catch (IllegalArgumentException bad) {
      log.warn("Realtime stream {} sent a malformed event: {}", endpoint, bad.getMessage());
      return;
    }
    Long before = seen.get(e.topic());
    if (before != null && e.position() <= before) {
      return; // already heard
    }
    seen.put(e.topic(), e.position());
    events.incrementAndGet();
    remember(e);
    waiters.offer(e);
    tell("onEvent", () -> listener.onEvent(e));
  }

  private void remember(ChangeEvent e) {
    if (e.key() == null || !e.type().isEntityChange() || maxCachePerTopic == 0) {
      return;
    }
    cacheLock.lock();
    try {
      cache.computeIfAbsent(e.topic(), t -> new LatestEvents(maxCachePerTopic)).apply(e);
    } finally {
      cacheLock.unlock();
    }
  }

  /** Calls the listener, isolated: a failure is logged, never propagated. */
  void tell(String event, Runnable call) {
    Listeners.isolate(log, "Realtime client listener", listener, event, call);
  }

  Optional<ChangeEvent> latest(String topic, String key) {
    cacheLock.lock();
    try {
      LatestEvents m = cache.get(topic);
      return m == null ? Optional.empty() : Optional.ofNullable(m.get(key));
    } finally {
      cacheLock.unlock();
    }
  }

  CompletableFuture<ChangeEvent> await(Predicate<? super ChangeEvent> predicate, Duration timeout) {
    return waiters.await(predicate, timeout);
  }

  /** The client closed: pending {@code awaitChange} futures fail. */
  void closed() {
    waiters.closeAll();
  }

  long eventsReceived() {
    return events.get();
  }
}
