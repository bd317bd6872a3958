package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.idempotency.spi.StoreArguments;
import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds an {@link Idempotency}. Each setter validates its argument at once; {@link #build()}
 * copies the settings, so a builder can be reused.
 *
 * <p>This class is not threadsafe.
 */
public final class IdempotencyBuilder {
  /** How often a waiting caller asks the store again unless told otherwise: 50 ms. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(50);

  /** The longest in-progress wait accepted: 60 s. */
  public static final Duration MAX_IN_PROGRESS_WAIT = Duration.ofSeconds(60);

  @Nullable IdempotencyStore store;
  Duration lease = IdempotencyStore.DEFAULT_LEASE;
  Duration retention = IdempotencyStore.DEFAULT_RETENTION;
  Duration inProgressWait = Duration.ZERO;
  Duration pollInterval = DEFAULT_POLL_INTERVAL;
  Ticker ticker = Ticker.system();
  Scheduler scheduler = Scheduler.system();
  final List<IdempotencyListener> listeners = new ArrayList<>();
  String name = "default";

  IdempotencyBuilder() {}

  /**
   * Sets where keys and results are kept. Required.
   *
   * @throws NullPointerException if {@code store} is null
   */
  public IdempotencyBuilder store(IdempotencyStore store) {
    this.store = Objects.requireNonNull(store, "store cannot be null");
    return this;
  }

  /**
   * Sets how long a claim may stay in progress without a renewal; it is renewed every third of it
   * while the work runs. Default 30 s.
   *
   * @throws NullPointerException if {@code lease} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public IdempotencyBuilder lease(Duration lease) {
    this.lease = StoreArguments.checkDuration(lease, "lease");
    return this;
  }

  /**
   * Sets how long a completed result is kept for repeats. Default 24 h.
   *
   * @throws NullPointerException if {@code retention} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public IdempotencyBuilder retention(Duration retention) {
    this.retention = StoreArguments.checkDuration(retention, "retention");
    return this;
  }

  /**
   * Sets how long a call whose key is in progress waits for the result before it gives up
   * ({@link IdempotencyInProgressException}). Default 0: give up at once. Wakes as soon as the
   * owner ends when it runs on this {@link Idempotency}, else asks the store every {@link
   * #pollInterval}; the waits go through the {@link #scheduler}.
   *
   * @throws NullPointerException if {@code wait} is null
   * @throws IllegalArgumentException if negative or above 60 s
   */
  public IdempotencyBuilder inProgressWait(Duration wait) {
    Objects.requireNonNull(wait, "wait cannot be null");
    if (wait.isNegative() || wait.compareTo(MAX_IN_PROGRESS_WAIT) > 0) {
      throw new IllegalArgumentException("wait must be between 0 and 60 s: " + wait);
    }
    this.inProgressWait = wait;
    return this;
  }

  /**
   * Sets how often a waiting call asks the store again. Default 50 ms.
   *
   * @throws NullPointerException if {@code interval} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public IdempotencyBuilder pollInterval(Duration interval) {
    this.pollInterval = StoreArguments.checkDuration(interval, "interval");
    return this;
  }

  /**
   * Sets the ticker that measures the in-progress wait, the completion retries and the durations
   * reported to listeners. Default the system ticker. Tests pass a {@link
   * dev.closedloop.sync.time.ManualTicker} with a {@link dev.closedloop.sync.time.VirtualScheduler}
   * on it: waits then move only when the test advances time, and completion retries move virtual
   * time instead of sleeping.
   *
   * @throws NullPointerException if {@code ticker} is null
   */
  public IdempotencyBuilder ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker cannot be null");
    return this;
  }

  /**
   * Sets the timer for lease renewals and in-progress waits: one shared timer, not a thread per
   * call. Default {@link Scheduler#system()}.
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  public IdempotencyBuilder scheduler(Scheduler scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
    return this;
  }

  /**
   * Adds a listener; listeners are called in the order added.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  public IdempotencyBuilder listener(IdempotencyListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
    return this;
  }

  /**
   * Sets the name under which {@link Idempotency#execute} reports its calls ({@link
   * IdempotencyListener.Finished#path()}, so an audit row's route), for example {@code
   * ledger-consumer}. Default {@code default}.
   *
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if it is blank
   */
  public IdempotencyBuilder name(String name) {
    Objects.requireNonNull(name, "name cannot be null");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    this.name = name;
    return this;
  }

  /**
   * Builds the {@link Idempotency}.
   *
   * @throws IllegalStateException if no store is set, or the in-progress wait exceeds the lease
   *     (a wait could outlast the claim it waits for)
   */
  public Idempotency build() {
    return buildDefault();
  }

  DefaultIdempotency buildDefault() {
    if (store == null) {
      throw new IllegalStateException("store must be set");
    }
    if (inProgressWait.compareTo(lease) > 0) {
      throw new IllegalStateException(
          "inProgressWait (" + inProgressWait + ") cannot exceed the lease (" + lease + ")");
    }
    return new DefaultIdempotency(this);
  }
}
