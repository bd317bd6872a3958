package dev.closedloop.sync.realtime.spi;

import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Subscription;
import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Scheduler;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a server bus (Redis, PostgreSQL) is besides its store, for bus implementers: the node's
 * {@link ServerLogFanout}, the {@code awaitChange} futures ({@link ChangeWaiters}), the one reader
 * thread that hears the store, and the close that stops them in order. A bus builds one from its
 * {@link ServerBusOptions} and a {@link ServerLogFanout.Source}, delegates {@link #subscribe}, {@link
 * #awaitChange} and {@link #subscriptionCount} here, and feeds what its reader hears to {@link
 * #dispatch} and {@link #catchUp}, which hand it to the node's subscriptions and then to the
 * waiters.
 *
 * <h2>What {@code awaitChange} hears</h2>
 *
 * The events the reader hands to the node: the topics this node has subscribers for, published
 * on any node (a trigger's rows too), each once per period the node follows the topic. An event
 * of a topic nobody on this node subscribes to is not heard here, and nothing from before the
 * bus started is.
 *
 * <h2>The reader thread and close</h2>
 *
 * {@link #startReader} starts one daemon thread running the bus's loop, which runs until {@link
 * #isClosed()}; between failed attempts it waits with {@link #pause}, a wait on the {@link
 * Scheduler} that a close ends at once. {@link #close} runs, once: mark closed (publishing and
 * subscribing fail from now on), {@link Shutdown#cancelTimers}, end any pause, {@link
 * Shutdown#wakeReader} and wait up to the patience for the reader to end (interrupting it if it
 * has not, and waiting that long again), {@link Shutdown#deliverRest} (the bus reads what was
 * published before the close and feeds it to {@link #catchUp}), end every subscription with
 * {@link CloseReason#BUS_CLOSED} after its queued events, fail the pending {@code awaitChange}
 * futures, and {@link Shutdown#release} the bus's connections. A step that throws is logged and
 * the close goes on, so the last three always run.
 *
 * <p>This class is threadsafe; {@link #dispatch} and {@link #catchUp} are meant for one reader
 * thread at a time (and the closing thread once the reader ended).
 */
public final class ServerBusCore {
  private static final Logger log = LoggerFactory.getLogger(ServerBusCore.class);

  private final ServerLogFanout node;
  private final Scheduler scheduler;
  private final ChangeWaiters waiters;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ReentrantLock pauseLock = new ReentrantLock();
  private final Condition pauseOver = pauseLock.newCondition();
  private boolean pauseEnded;
  private final AtomicReference<@Nullable Thread> reader = new AtomicReference<>();

  /**
   * What a bus does at the steps of {@link ServerBusCore#close}. A step that throws is logged
   * and the close goes on.
   */
  public interface Shutdown {
    /** Cancels the bus's own scheduled work (a retention timer). */
    default void cancelTimers() {}

    /** Makes the reader see that the bus closed, if it may be blocked reading. */
    void wakeReader();

    /** Delivers to the node's subscriptions what was published before the close and not yet. */
    default void deliverRest() {}

    /** Closes the bus's connections; runs last. */
    default void release() {}
  }

  /**
   * @throws NullPointerException if an argument is null
   */
  public ServerBusCore(ServerBusOptions options, ServerLogFanout.Source source) {
    Objects.requireNonNull(options, "options cannot be null");
    this.scheduler = options.scheduler();
    this.node = ServerLogFanout.create(source, options.subscriberQueueCapacity(), options.deliveryThreads());
    this.waiters = new ChangeWaiters(scheduler, closed::get, "realtime bus is closed",
        () -> new IllegalStateException("realtime bus is closed"));
  }

  /** Returns the node's fan-out, for what the reader needs of it ({@link ServerLogFanout#position}, {@link ServerLogFanout#followed}). */
  public ServerLogFanout node() {
    return node;
  }

  /**
   * {@link RealtimeBus#subscribe}, on the node.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the bus is closed
   */
  public Subscription subscribe(Set<String> topics, Cursor after, RealtimeListener listener) {
    Objects.requireNonNull(topics, "topics cannot be null");
    Objects.requireNonNull(listener, "listener cannot be null");
    ensureOpen();
    return node.subscribe(topics, after, listener);
  }

  /** Returns the number of open subscriptions. */
  public int subscriptionCount() {
    return node.subscriptionCount();
  }

  /**
   * {@link RealtimeBus#awaitChange}: completed by the first matching event heard after the call
   * (see the class comment).
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IllegalStateException if the bus is closed
   */
  public CompletableFuture<ChangeEvent> awaitChange(Predicate<? super ChangeEvent> predicate, Duration timeout) {
    return waiters.await(predicate, timeout);
  }

  /**
   * Hands a live event of a followed topic that the node has not dispatched yet to the waiters
   * and then to the node ({@link ServerLogFanout#dispatch}); ignores any other. Waiters come first, so
   * that once a subscriber heard an event, a waiter registered after that cannot get it.
   *
   * @return whether the event was new
   */
  public boolean dispatch(ChangeEvent event) {
    OptionalLong at = node.position(event.topic());
    if (at.isEmpty() || event.position() <= at.getAsLong()) {
      return false;
    }
    waiters.offer(event);
    node.dispatch(event);
    return true;
  }

  /**
   * Hands a batch read from the log of a followed topic to the waiters (the events past the
   * node's position) and then to the node ({@link ServerLogFanout#catchUp}), which dispatches it
   * unless the log lost events the node had not dispatched.
   *
   * @return false if events were lost
   */
  public boolean catchUp(String topic, List<ChangeEvent> events, long through, long lostThrough) {
    OptionalLong before = node.position(topic);
    if (before.isPresent() && lostThrough <= before.getAsLong()) {
      for (ChangeEvent e : events) {
        if (e.position() > before.getAsLong()) {
          waiters.offer(e);
        }
      }
    }
    return node.catchUp(topic, events, through, lostThrough);
  }

  /**
   * Starts the reader thread, a daemon named {@code name}, running {@code loop}.
   *
   * @throws IllegalStateException if it was started already
   */
  public void startReader(String name, Runnable loop) {
    Thread t = new Thread(loop, name);
    t.setDaemon(true);
    if (!reader.compareAndSet(null, t)) {
      throw new IllegalStateException("the reader was started already");
    }
    t.start();
  }

  /**
   * Waits {@code delayNanos} on the scheduler (a virtual one in tests), or until the bus closes:
   * the reader's backoff. Not interruptible.
   */
  public void pause(long delayNanos) {
    pauseLock.lock();
    try {
      pauseEnded = false;
    } finally {
      pauseLock.unlock();
    }
    Cancellable timer = scheduler.schedule(this::endPause, delayNanos);
    pauseLock.lock();
    try {
      while (!pauseEnded && !closed.get()) {
        pauseOver.awaitUninterruptibly();
      }
    } finally {
      pauseLock.unlock();
      timer.cancel();
    }
  }

  private void endPause() {
    pauseLock.lock();
    try {
      pauseEnded = true;
      pauseOver.signalAll();
    } finally {
      pauseLock.unlock();
    }
  }

  /** Returns the scheduler of the bus (backoff waits, {@code awaitChange} timeouts). */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** Returns whether {@link #close} was called. */
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Fails if the bus is closed.
   *
   * @throws IllegalStateException if it is
   */
  public void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("realtime bus is closed");
    }
  }

  /**
   * Closes the bus, once, in the order the class comment gives; a step that throws is logged and
   * the close goes on. Returns false if it was closed already.
   *
   * @param patience how long to wait for the reader to end, twice at most
   * @throws NullPointerException if an argument is null
   */
  public boolean close(Duration patience, Shutdown steps) {
    Objects.requireNonNull(patience, "patience cannot be null");
    Objects.requireNonNull(steps, "steps cannot be null");
    if (!closed.compareAndSet(false, true)) {
      return false;
    }
    try {
      step("cancel its timers", steps::cancelTimers);
      endPause();
      Thread t = reader.get();
      if (t != null && t.isAlive()) {
        step("wake its reader", steps::wakeReader);
        t.join(patience.toMillis());
        if (t.isAlive()) {
          t.interrupt();
          t.join(patience.toMillis());
        }
      }
      step("deliver the rest", steps::deliverRest);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      node.close();
      waiters.closeAll();
      step("release its connections", steps::release);
    }
    return true;
  }

  private static void step(String what, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      log.warn("Realtime bus could not {} on close: {}", what, e.toString());
    }
  }

  @Override
  public String toString() {
    return node + (closed.get() ? ", closed" : "") + ", " + waiters;
  }
}
