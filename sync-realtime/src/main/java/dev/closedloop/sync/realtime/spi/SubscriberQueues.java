package dev.closedloop.sync.realtime.spi;

import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Subscription;
import dev.closedloop.sync.realtime.Topics;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local delivery of a {@link RealtimeBus}: subscriptions with bounded queues, drained
 * serially on a shared executor, with the isolation and overflow semantics {@link RealtimeBus}
 * promises. The {@link InProcessRealtimeBus} and {@link ServerLogFanout} (which the Redis and
 * PostgreSQL buses use) are built on it.
 *
 * <p>A bus uses it in three steps:
 *
 * <ol>
 *   <li>{@link #open} a {@link Member} for a subscriber. It delivers nothing yet, and events
 *       {@linkplain Member#offer offered} to it from now on are queued.
 *   <li>Work out where the member starts and what it must replay, then {@link Member#start}: the
 *       member delivers {@code onSubscribed}, the resets, the replayed events and then the queued
 *       live events, in that order. The bus makes sure the replay and the live events neither
 *       overlap nor leave a gap (for example by offering, per topic, only events after the last
 *       replayed one).
 *   <li>{@linkplain Member#offer Offer} each live event, per topic in position order. Offering
 *       never runs a listener and never blocks. A member whose queue passes its capacity ends
 *       with {@link CloseReason#OVERFLOW}.
 * </ol>
 *
 * <p>A listener that throws is logged and keeps its subscription; one that blocks holds one
 * delivery thread and fills only its own queue. Each member delivers at most 64 items per turn
 * on the executor, so a busy one does not starve the others. When a member ends (closed by its
 * subscriber, overflowed, failed, or the fan-out closed) the callback given at creation is
 * called once, so the bus can forget it. {@link #close()} ends every member with {@link
 * CloseReason#BUS_CLOSED} after what it has queued; an owned pool stops once every member has
 * been told.
 *
 * <p>This class is threadsafe.
 */
public final class SubscriberQueues implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SubscriberQueues.class);
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final int queueCapacity;
  private final Executor executor;
  private final @Nullable ExecutorService ownedExecutor;
  private final Consumer<Member> onEnd;
  private final Map<BusSubscription, Member> members = new ConcurrentHashMap<>();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger undrained = new AtomicInteger();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final BusSubscription.Owner owner = new BusSubscription.Owner() {
    @Override
    public void subscriptionEnded(BusSubscription s) {
      Member m = members.get(s);
      if (m != null) {
        m.uncount();
      }
    }

    @Override
    public void unregister(BusSubscription s) {
      Member m = members.get(s);
      if (m != null && m.markUnregistered()) {
        try {
          onEnd.accept(m);
        } catch (RuntimeException | Error t) {
          log.warn("Realtime fan-out end callback threw for {}", m, t);
        }
      }
    }

    @Override
    public void drainFinished(BusSubscription s) {
      members.remove(s);
      undrained.decrementAndGet();
      maybeShutdownExecutor();
    }
  };

  private SubscriberQueues(int queueCapacity, @Nullable ExecutorService owned, Executor executor, Consumer<Member> onEnd) {
    this.queueCapacity = queueCapacity;
    this.ownedExecutor = owned;
    this.executor = executor;
    this.onEnd = onEnd;
  }

  /**
   * Returns a fan-out with its own delivery pool of {@code deliveryThreads} daemon threads,
   * created on demand and stopped after 10 s idle, or for good once the fan-out is closed and
   * drained.
   *
   * @param queueCapacity the bound of each member's queue of live events
   * @param onEnd told once about each member that ended, from the thread that ended it; must be
   *     fast and must not throw (a throw is logged)
   * @throws NullPointerException if {@code onEnd} is null
   * @throws IllegalArgumentException if {@code queueCapacity} or {@code deliveryThreads} is below 1
   */
  public static SubscriberQueues withOwnPool(int queueCapacity, int deliveryThreads, Consumer<Member> onEnd) {
    checkCapacity(queueCapacity);
    if (deliveryThreads < 1) {
      throw new IllegalArgumentException("deliveryThreads must be at least 1: " + deliveryThreads);
    }
    Objects.requireNonNull(onEnd, "onEnd cannot be null");
    ExecutorService pool = newDeliveryPool(deliveryThreads);
    return new SubscriberQueues(queueCapacity, pool, pool, onEnd);
  }

  /**
   * Returns a fan-out that delivers on the caller's {@code executor}, which the caller shuts down
   * after closing the fan-out.
   *
   * @throws NullPointerException if {@code executor} or {@code onEnd} is null
   * @throws IllegalArgumentException if {@code queueCapacity} is below 1
   */
  public static SubscriberQueues withExecutor(int queueCapacity, Executor executor, Consumer<Member> onEnd) {
    checkCapacity(queueCapacity);
    Objects.requireNonNull(executor, "executor cannot be null");
    Objects.requireNonNull(onEnd, "onEnd cannot be null");
    return new SubscriberQueues(queueCapacity, null, executor, onEnd);
  }

  private static void checkCapacity(int queueCapacity) {
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be at least 1: " + queueCapacity);
    }
  }

  /**
   * Opens a member for {@code listener} on {@code topics}; it delivers nothing until {@link
   * Member#start}, and queues what is offered meanwhile.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code topics} is empty or holds an invalid name
   * @throws IllegalStateException if the fan-out is closed
   */
  public Member open(Set<String> topics, RealtimeListener listener) {
    Objects.requireNonNull(topics, "topics cannot be null");
    Objects.requireNonNull(listener, "listener cannot be null");
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("topics must not be empty");
    }
    TreeSet<String> sorted = new TreeSet<>();
    for (String name : topics) {
      sorted.add(Topics.requireValid(name));
    }
    if (closed.get()) {
      throw new IllegalStateException("realtime bus is closed");
    }
    BusSubscription s =
        new BusSubscription(ids.incrementAndGet(), owner, Set.copyOf(sorted), listener, queueCapacity, executor);
    Member m = new Member(s, open);
    undrained.incrementAndGet();
    members.put(s, m);
    if (closed.get()) {
      s.closeWith(CloseReason.BUS_CLOSED); // a close raced this open; start() still delivers it
    }
    return m;
  }

  /**
   * Returns the number of members started and not ended. A member counts from {@link
   * Member#start}, not from its open: until then its bus is still fixing where it starts, so an
   * event published meanwhile may or may not reach it, and whoever waits for the count before
   * publishing must not see it yet.
   */
  public int subscriptionCount() {
    return open.get();
  }

  /** Returns whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Ends every member with {@link CloseReason#BUS_CLOSED}, after the events it has queued; a
   * member not yet started delivers its start first. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (BusSubscription s : List.copyOf(members.keySet())) {
      s.closeWith(CloseReason.BUS_CLOSED);
    }
    maybeShutdownExecutor();
  }

  private void maybeShutdownExecutor() {
    if (ownedExecutor != null && closed.get() && undrained.get() == 0) {
      ownedExecutor.shutdown();
      log.debug("Realtime fan-out closed; delivery threads stopping");
    }
  }

  private static ExecutorService newDeliveryPool(int threads) {
    int pool = POOLS.incrementAndGet();
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor e =
        new ThreadPoolExecutor(
            threads,
            threads,
            10,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "closedloop-realtime-" + pool + "-delivery-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    e.allowCoreThreadTimeOut(true);
    return e;
  }

  @Override
  public String toString() {
    return "SubscriberQueues[members=" + open.get() + (closed.get() ? ", closed" : "") + "]";
  }

  /**
   * One subscriber of a {@link SubscriberQueues}: the {@link Subscription} a bus hands out, plus
   * the calls the bus makes on it.
   *
   * <p>This class is threadsafe.
   */
  public static final class Member implements Subscription {
    private static final VarHandle STARTED;
    private static final VarHandle UNREGISTERED;
    private static final VarHandle COUNTING;
    private static final int NOT_COUNTED = 0;
    private static final int COUNTED = 1;
    private static final int ENDED = 2;

    static {
      try {
        MethodHandles.Lookup l = MethodHandles.lookup();
        STARTED = l.findVarHandle(Member.class, "started", boolean.class);
        UNREGISTERED = l.findVarHandle(Member.class, "unregistered", boolean.class);
        COUNTING = l.findVarHandle(Member.class, "counting", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final BusSubscription engine;
    // flags through VarHandles rather than two AtomicBooleans: one member per open stream
    private volatile boolean started;
    private volatile boolean unregistered;
    /** Whether the member is in the fan-out's count: not yet, counted, or ended. */
    private volatile int counting = NOT_COUNTED;
    private final AtomicInteger open;

    private Member(BusSubscription engine, AtomicInteger open) {
      this.engine = engine;
      this.open = open;
    }

    /**
     * Adds the member to the count of open members, unless it ended first. The count goes up
     * before the state changes, so that an end racing the start never takes it below zero.
     */
    private void count() {
      open.incrementAndGet();
      if (!COUNTING.compareAndSet(this, NOT_COUNTED, COUNTED)) {
        open.decrementAndGet();
      }
    }

    /** The member ended: takes it out of the count if it was in it. */
    void uncount() {
      if ((int) COUNTING.getAndSet(this, ENDED) == COUNTED) {
        open.decrementAndGet();
      }
    }

    /** Returns true for the one call that marks the member as unregistered. */
    boolean markUnregistered() {
      return UNREGISTERED.compareAndSet(this, false, true);
    }

    /**
     * Lets the member deliver: first {@code onSubscribed(start)}, then {@code onReset} for each
     * topic in {@code resets} (with the topic's position in {@code start} as the head and the
     * map's value as the reason), then {@code replayed} in order, then the queued live events.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the member was already started
     */
    public void start(Cursor start, Map<String, String> resets, List<ChangeEvent> replayed) {
      Objects.requireNonNull(start, "start cannot be null");
      Objects.requireNonNull(resets, "resets cannot be null");
      Objects.requireNonNull(replayed, "replayed cannot be null");
      if (!STARTED.compareAndSet(this, false, true)) {
        throw new IllegalStateException("member already started");
      }
      count();
      List<BusSubscription.Reset> r = new ArrayList<>(resets.size());
      for (Map.Entry<String, String> e : new java.util.TreeMap<>(resets).entrySet()) {
        r.add(new BusSubscription.Reset(e.getKey(), start.position(e.getKey()).orElse(0), e.getValue()));
      }
      engine.start(start, r, List.copyOf(replayed), resets.keySet());
    }

    /**
     * Queues a live event. Never blocks and never runs the listener. Returns false if the member
     * has ended (or ends now, because its queue overflowed).
     *
     * @throws NullPointerException if {@code event} is null
     */
    public boolean offer(ChangeEvent event) {
      Objects.requireNonNull(event, "event cannot be null");
      engine.offer(event);
      return engine.isOpen();
    }

    /**
     * Ends the member with {@code reason}: {@link CloseReason#BUS_CLOSED} delivers what is
     * queued first, any other reason drops it. Returns whether this call ended it.
     *
     * @throws NullPointerException if {@code reason} is null
     */
    public boolean end(CloseReason reason) {
      Objects.requireNonNull(reason, "reason cannot be null");
      boolean ended = engine.closeWith(reason);
      if (ended && reason != CloseReason.BUS_CLOSED) {
        engine.unregisterNow();
      }
      return ended;
    }

    /** Returns the number of live events queued and not yet delivered. */
    public int queued() {
      return engine.queued();
    }

    @Override
    public Set<String> topics() {
      return engine.topics();
    }

    @Override
    public Cursor start() {
      return engine.start();
    }

    @Override
    public Set<String> resetTopics() {
      return engine.resetTopics();
    }

    @Override
    public boolean isOpen() {
      return engine.isOpen();
    }

    @Override
    public @Nullable CloseReason closeReason() {
      return engine.closeReason();
    }

    @Override
    public void close() {
      engine.close();
    }

    @Override
    public String toString() {
      return engine.toString();
    }
  }
}
