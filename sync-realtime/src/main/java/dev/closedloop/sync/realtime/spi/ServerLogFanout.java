package dev.closedloop.sync.realtime.spi;

import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.realtime.RealtimeBusUnavailableException;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Replay;
import dev.closedloop.sync.realtime.Subscription;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-local half of a {@link RealtimeBus} whose log lives in a server (Redis, PostgreSQL):
 * which topics this node follows, how far it has dispatched each, and its subscriptions, each
 * with a bounded queue and the isolation and overflow semantics {@link RealtimeBus} promises. A
 * bus implements {@link #subscribe} by delegating here and feeds the events its reader gets from
 * the server to {@link #dispatch} or {@link #catchUp}.
 *
 * <h2>What it guarantees</h2>
 *
 * <ul>
 *   <li><b>Once, in order.</b> Per followed topic it keeps the position of the last event it
 *       dispatched and drops anything at or before it, so a reader may deliver an event twice
 *       (live and again from a catch-up) without a subscriber hearing it twice.
 *   <li><b>Subscribe without a gap.</b> A new subscription to a topic starts at the later of the
 *       topic's head ({@link Source#head}) and the node's position; a resumed one replays from the
 *       log ({@link Source#replay}) and, if the node had dispatched further meanwhile, replays up
 *       to that too, then hears live events after it. A position the log no longer holds is a
 *       reset.
 *   <li><b>No silent loss.</b> When the reader learns that events it had not dispatched were
 *       removed from the log ({@link #catchUp} with {@code lostThrough} past the node's
 *       position), the topic's subscriptions end with {@link CloseReason#FAILED}: their clients
 *       resume from their cursor and get a reset.
 * </ul>
 *
 * <p>The bus is told through {@link Source#follow} when a topic gains its first subscriber here
 * (subscribe to its channel, ring its doorbell, catch it up from the returned position) and
 * through {@link Source#unfollow} when its last one leaves. For one topic the two alternate,
 * starting with a follow, and each reflects the node's state after the change that caused it:
 * a topic whose subscribers all left while another thread subscribed to it anew ends followed,
 * however the threads interleave.
 *
 * <p>Concurrency: one lock per followed topic guards its position and subscribers; subscribing
 * takes it (with the log read for a resumed subscription under it, only when the node is ahead of
 * the replay), dispatching takes it; locks are never nested and no listener runs under one.
 *
 * <p>This class is threadsafe.
 */
public final class ServerLogFanout implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerLogFanout.class);

  /**
   * What the bus gives the fan-out: reads of its log, and what to do when the node starts or
   * stops following a topic. Calls may throw {@link RealtimeBusUnavailableException}; a
   * subscribe that meets one fails with it.
   */
  public interface Source {
    /** Returns the log of {@code topic} after {@code after}, or a gap; see {@link RealtimeBus#replay}. */
    Replay replay(String topic, long after);

    /** Returns the position of the newest event of {@code topic}, 0 if none. */
    long head(String topic);

    /**
     * The node now follows {@code topic} from {@code position}: start hearing it, and catch up
     * from the log after that position. Called before the subscription starts, under none of
     * the fan-out's topic locks (only a lock that orders the follows and unfollows of a topic).
     */
    void follow(String topic, long position);

    /**
     * The node's last subscriber of {@code topic} left. Called from any thread, ordered with the
     * topic's follows as above; must not block.
     */
    default void unfollow(String topic) {}
  }

  private final Source source;
  private final SubscriberQueues fanout;
  private final ConcurrentHashMap<String, Followed> followed = new ConcurrentHashMap<>();
  /** The topics the source was last told to follow (and not since to unfollow). Guarded by {@link #announcing}. */
  private final Set<String> announced = new HashSet<>();
  /**
   * Orders the source's follows and unfollows: each is decided and called under it, from the
   * {@link #followed} map at that moment, so the last call for a topic matches its last state.
   */
  private final ReentrantLock announcing = new ReentrantLock();

  /** A topic this node follows. Guarded by {@link #lock}. */
  private static final class Followed {
    final ReentrantLock lock = new ReentrantLock();
    /** Where following began: the position the source is asked to catch up from. */
    final long start;
    /** The position of the last event dispatched (or the start, before any). */
    long position;
    /** Subscribers, each with the position after which it hears live events. */
    final LinkedHashMap<SubscriberQueues.Member, Long> members = new LinkedHashMap<>();
    boolean retired;

    Followed(long position) {
      this.start = position;
      this.position = position;
    }
  }

  private ServerLogFanout(Source source, int queueCapacity, int deliveryThreads) {
    this.source = source;
    this.fanout = SubscriberQueues.withOwnPool(queueCapacity, deliveryThreads, this::unregister);
  }

  /**
   * Returns the default size of a bus's delivery pool: the number of cores the JVM may use. A
   * delivery turn is CPU work (hand an event to each listener; the SSE servlet's listener only
   * queues a shared frame and writes without blocking), so more threads than cores only add
   * switching; a bus whose listeners block should be given more threads.
   */
  public static int defaultDeliveryThreads() {
    return Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /**
   * Returns a fan-out over {@code source} with its own delivery pool of {@code deliveryThreads}
   * daemon threads (created on demand, stopped after 10 s idle and for good once closed).
   *
   * @param queueCapacity the bound of each subscription's queue of undelivered events
   * @throws NullPointerException if {@code source} is null
   * @throws IllegalArgumentException if {@code queueCapacity} or {@code deliveryThreads} is below 1
   */
  public static ServerLogFanout create(Source source, int queueCapacity, int deliveryThreads) {
    return new ServerLogFanout(Objects.requireNonNull(source, "source cannot be null"), queueCapacity, deliveryThreads);
  }

  /**
   * Subscribes as {@link RealtimeBus#subscribe} describes.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code topics} is empty or holds an invalid name
   * @throws IllegalStateException if the fan-out is closed
   * @throws RealtimeBusUnavailableException if the source cannot be read
   */
  public Subscription subscribe(Set<String> topics, Cursor after, RealtimeListener listener) {
    Objects.requireNonNull(after, "after cannot be null");
    SubscriberQueues.Member member = fanout.open(topics, listener);
    try {
      Cursor start = Cursor.EMPTY;
      Map<String, String> resets = new TreeMap<>();
      List<ChangeEvent> replayed = new ArrayList<>();
      for (String topic : new TreeSet<>(member.topics())) {
        OptionalLong requested = after.position(topic);
        long base;
        boolean resumed = false;
        if (requested.isPresent()) {
          Replay r = source.replay(topic, requested.getAsLong());
          base = r.head();
          if (r.isGap()) {
            resets.put(topic, Objects.requireNonNull(r.gapReason()));
          } else {
            for (ChangeEvent e : r.events()) {
              if (e.position() <= base) { // a log read while it grows may pass its head: those come live
                replayed.add(e);
              }
            }
            resumed = true;
          }
        } else {
          base = source.head(topic);
        }
        while (true) {
          Followed created = new Followed(base);
          Followed f = followed.putIfAbsent(topic, created);
          if (f == null) {
            f = created;
          }
          f.lock.lock();
          try {
            if (f.retired) {
              continue; // its last subscriber left meanwhile; follow it anew
            }
            long floor = Math.max(base, f.position);
            if (resumed && f.position > base) {
              // the node dispatched (base, position] already: this subscription replays them itself
              for (ChangeEvent e : source.replay(topic, base).events()) {
                if (e.position() <= f.position) {
                  replayed.add(e);
                }
              }
            }
            f.members.put(member, floor);
            start = start.with(topic, resumed ? requested.getAsLong() : floor);
            break;
          } finally {
            f.lock.unlock();
          }
        }
      }
      for (String topic : member.topics()) {
        announce(topic);
      }
      member.start(start, resets, replayed);
      return member;
    } catch (RuntimeException e) {
      member.end(CloseReason.FAILED);
      throw e;
    }
  }

  /** A subscription ended: forget it, and stop following a topic nobody here hears any more. */
  private void unregister(SubscriberQueues.Member member) {
    for (String topic : member.topics()) {
      Followed f = followed.get(topic);
      if (f == null) {
        continue;
      }
      boolean last = false;
      f.lock.lock();
      try {
        f.members.remove(member);
        if (f.members.isEmpty() && !f.retired) {
          f.retired = true;
          followed.remove(topic, f);
          last = true;
        }
      } finally {
        f.lock.unlock();
      }
      if (last) {
        announce(topic);
      }
    }
  }

  /**
   * Tells the source what the node's state of {@code topic} now is, if it was told otherwise:
   * follow it when it has subscribers here, unfollow it when it has none (not once the fan-out is
   * closed). Deciding from the map under one lock is what keeps a late unfollow of a topic that
   * was followed anew meanwhile from silencing it, and a subscriber that joined a topic before
   * its creator announced it from waiting on that creator.
   *
   * @throws RealtimeBusUnavailableException if following fails (the topic stays unannounced)
   */
  private void announce(String topic) {
    announcing.lock();
    try {
      Followed now = followed.get(topic);
      boolean told = announced.contains(topic);
      if (now != null && !told) {
        source.follow(topic, now.start);
        announced.add(topic);
      } else if (now == null && told) {
        announced.remove(topic);
        if (!fanout.isClosed()) {
          try {
            source.unfollow(topic);
          } catch (RuntimeException e) {
            log.warn("Realtime bus failed to unfollow {}: {}", topic, e.toString());
          }
        }
      }
    } finally {
      announcing.unlock();
    }
  }

  /** Returns the topics this node follows now. */
  public Set<String> followed() {
    return Set.copyOf(followed.keySet());
  }

  /**
   * Returns the position of the last event dispatched on {@code topic} (or where following it
   * began), or empty if the node does not follow it.
   */
  public OptionalLong position(String topic) {
    Followed f = followed.get(topic);
    if (f == null) {
      return OptionalLong.empty();
    }
    f.lock.lock();
    try {
      return f.retired ? OptionalLong.empty() : OptionalLong.of(f.position);
    } finally {
      f.lock.unlock();
    }
  }

  /**
   * Hands a live event to the subscribers of its topic, unless the topic is not followed or the
   * event is at or before the node's position. Never blocks on a listener.
   *
   * @throws NullPointerException if {@code event} is null
   */
  public void dispatch(ChangeEvent event) {
    Objects.requireNonNull(event, "event cannot be null");
    Followed f = followed.get(event.topic());
    if (f == null) {
      return;
    }
    f.lock.lock();
    try {
      if (!f.retired) {
        offer(f, event);
      }
    } finally {
      f.lock.unlock();
    }
  }

  /**
   * Hands a batch read from the log to the subscribers of {@code topic}, as {@link #dispatch}
   * does, then moves the node's position to at least {@code through} (which may pass entries the
   * reader could not decode and skipped). If {@code lostThrough}, the newest position the log
   * removed, is past the node's position, events were lost instead: the topic's subscriptions
   * end with {@link CloseReason#FAILED} and nothing is dispatched.
   *
   * @return false if events were lost
   * @throws NullPointerException if an argument is null
   */
  public boolean catchUp(String topic, List<ChangeEvent> events, long through, long lostThrough) {
    Objects.requireNonNull(topic, "topic cannot be null");
    Objects.requireNonNull(events, "events cannot be null");
    Followed f = followed.get(topic);
    if (f == null) {
      return true;
    }
    f.lock.lock();
    try {
      if (f.retired) {
        return true;
      }
      if (lostThrough > f.position) {
        log.warn("Realtime bus: the log of {} lost events this node had not dispatched (after {}, through {});"
            + " ending its {} subscriptions so that they resume with a reset", topic, f.position, lostThrough,
            f.members.size());
        for (SubscriberQueues.Member m : List.copyOf(f.members.keySet())) {
          m.end(CloseReason.FAILED);
        }
        return false;
      }
      for (ChangeEvent e : events) {
        offer(f, e);
      }
      f.position = Math.max(f.position, through);
      return true;
    } finally {
      f.lock.unlock();
    }
  }

  private static void offer(Followed f, ChangeEvent event) {
    long position = event.position();
    if (position <= f.position) {
      return;
    }
    f.position = position;
    for (Map.Entry<SubscriberQueues.Member, Long> s : List.copyOf(f.members.entrySet())) {
      if (position > s.getValue()) {
        s.getKey().offer(event);
      }
    }
  }

  /** Returns the number of open subscriptions. */
  public int subscriptionCount() {
    return fanout.subscriptionCount();
  }

  /** Returns whether {@link #close()} was called. */
  public boolean isClosed() {
    return fanout.isClosed();
  }

  /**
   * Ends every subscription with {@link CloseReason#BUS_CLOSED} after what it has queued (a bus
   * first dispatches what was published before its close). Idempotent.
   */
  @Override
  public void close() {
    fanout.close();
  }

  @Override
  public String toString() {
    return "ServerLogFanout[followed=" + followed.size() + ", subscriptions=" + fanout.subscriptionCount()
        + (fanout.isClosed() ? ", closed" : "") + "]";
  }
}
