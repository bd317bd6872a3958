package dev.closedloop.sync.realtime.spi;

import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Scheduler;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The pending {@code awaitChange} futures of one owner (a bus, a client): each completes with the
 * first event {@linkplain #offer offered} after it was registered that its predicate accepts,
 * fails with a {@link TimeoutException} after its timeout (a task on the owner's {@link
 * Scheduler}; no thread waits), or fails with the owner's close failure once the owner {@link
 * #closeAll closes}. A predicate that throws fails its future with that exception. A future that
 * completes by any hand (cancelled included) is unregistered and its timer cancelled.
 *
 * <p>Concurrency: registration adds to a lock-free queue and then re-checks whether the owner is
 * closed; {@link #closeAll} runs after the owner marked itself closed. Either the re-check sees
 * the close, or {@code closeAll} sees the future: none is left pending. An event offered
 * concurrently with a registration may or may not reach it ("after this call" is the moment
 * registration completes). Predicates run on the offering thread, so they must be cheap.
 *
 * <p>This class is threadsafe.
 */
public final class ChangeWaiters {
  private final Scheduler scheduler;
  private final BooleanSupplier ownerClosed;
  private final String closedMessage;
  private final Supplier<? extends Throwable> closeFailure;
  private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();

  /**
   * @param scheduler times the timeouts
   * @param ownerClosed tells whether the owner is closed
   * @param closedMessage the message of the {@link IllegalStateException} {@link #await} throws
   *     when the owner is closed already, e.g. {@code "realtime bus is closed"}
   * @param closeFailure makes the failure of a future pending when the owner closes (one per
   *     future)
   * @throws NullPointerException if an argument is null
   */
  public ChangeWaiters(Scheduler scheduler, BooleanSupplier ownerClosed, String closedMessage,
      Supplier<? extends Throwable> closeFailure) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
    this.ownerClosed = Objects.requireNonNull(ownerClosed, "ownerClosed cannot be null");
    this.closedMessage = Objects.requireNonNull(closedMessage, "closedMessage cannot be null");
    this.closeFailure = Objects.requireNonNull(closeFailure, "closeFailure cannot be null");
  }

  /**
   * Registers a waiter and returns its future; see the class comment.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IllegalStateException if the owner is closed
   */
  public CompletableFuture<ChangeEvent> await(Predicate<? super ChangeEvent> predicate, Duration timeout) {
    Objects.requireNonNull(predicate, "predicate cannot be null");
    Objects.requireNonNull(timeout, "timeout cannot be null");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
    if (ownerClosed.getAsBoolean()) {
      throw new IllegalStateException(closedMessage);
    }
    Waiter w = new Waiter(predicate);
    waiters.add(w);
    Cancellable timer = scheduler.schedule(
        () -> w.future.completeExceptionally(new TimeoutException("no matching change within " + timeout)), timeout);
    w.future.whenComplete((e, t) -> {
      timer.cancel();
      waiters.remove(w);
    });
    if (ownerClosed.getAsBoolean()) {
      w.future.completeExceptionally(closeFailure.get());
    }
    return w.future;
  }

  /** Completes every pending future whose predicate accepts {@code event}. */
  public void offer(ChangeEvent event) {
    for (Waiter w : waiters) {
      if (w.future.isDone()) {
        continue;
      }
      try {
        if (w.predicate.test(event)) {
          w.future.complete(event);
        }
      } catch (RuntimeException | Error t) {
        w.future.completeExceptionally(t);
      }
    }
  }

  /** Fails every pending future with the close failure. Call it after the owner is closed. */
  public void closeAll() {
    for (Waiter w : waiters) {
      w.future.completeExceptionally(closeFailure.get());
    }
  }

  /** Returns how many futures are pending. */
  public int pendingCount() {
    return waiters.size();
  }

  @Override
  public String toString() {
    return "ChangeWaiters[" + waiters.size() + " pending]";
  }

  private static final class Waiter {
    final Predicate<? super ChangeEvent> predicate;
    final CompletableFuture<ChangeEvent> future = new CompletableFuture<>();

    Waiter(Predicate<? super ChangeEvent> predicate) {
      this.predicate = predicate;
    }
  }
}
