package dev.closedloop.sync.client;

import dev.closedloop.sync.client.MutationState.Kind;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.spi.Listeners;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call of a mutation: its key, exchange, state machine and futures; also the offline queue's
 * waiter when the call goes to the queue. What it needs of its mutation goes through {@link
 * CallHost}.
 *
 * <p>Concurrency: the state moves under {@link #lock}; the listener events of a move are
 * enqueued on the host's {@link SerialExecutor} under that lock, so listeners hear the moves in
 * the order they happened, and run after the lock is released ({@link #afterUnlock()}).
 *
 * <p>This class is threadsafe.
 */
final class DefaultMutationCall<V, T> implements MutationCall<V, T>, OfflineSync.ReplayWaiter {
  private static final Logger log = LoggerFactory.getLogger(SyncMutation.class);

  final CallHost<V, T> owner;
  final V variables;
  final Exchange exchange;
  final long sequence;
  final ReentrantLock lock = new ReentrantLock();
  private MutationState<T> state = MutationState.idle(); // guarded by lock
  private volatile MutationState<T> snapshot = MutationState.idle();
  private final CompletableFuture<T> result = new CompletableFuture<>();
  private CompletableFuture<ChangeEvent> confirmation = new CompletableFuture<>();
  volatile @Nullable Object context;
  volatile @Nullable String scope;
  /** Completed true when the call goes to the queue, false when it settles live (scoped calls). */
  volatile @Nullable CompletableFuture<Boolean> handOff;
  private volatile @Nullable Boolean handOffResult;

  DefaultMutationCall(CallHost<V, T> owner, V variables, Exchange exchange, long sequence) {
    this.owner = owner;
    this.variables = variables;
    this.exchange = exchange;
    this.sequence = sequence;
  }

  @Override
  public String mutationName() {
    return owner.name();
  }

  @Override
  public V variables() {
    return variables;
  }

  @Override
  public String key() {
    return exchange.key;
  }

  @Override
  public MutationState<T> state() {
    return snapshot;
  }

  @Override
  public CompletableFuture<T> result() {
    return dependent(result);
  }

  @Override
  public CompletableFuture<ChangeEvent> confirmed() {
    return dependent(confirmation);
  }

  /** A new future completed like {@code source}: same value, same failure, cancelled if it was. */
  private static <X> CompletableFuture<X> dependent(CompletableFuture<X> source) {
    CompletableFuture<X> f = new CompletableFuture<>();
    source.whenComplete((v, t) -> {
      if (t == null) {
        f.complete(v);
      } else if (source.isCancelled()) {
        f.cancel(false);
      } else {
        f.completeExceptionally(unwrap(t));
      }
    });
    return f;
  }

  static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** After releasing the lock: runs the callbacks enqueued, then lets the next call of the scope go. */
  void afterUnlock() {
    owner.callbacks().kick();
    CompletableFuture<Boolean> h = handOff;
    Boolean r = handOffResult;
    if (h != null && r != null) {
      h.complete(r);
    }
  }

  void watchConfirmation(@Nullable RealtimeClient realtime, Duration timeout) {
    if (realtime == null) {
      confirmation.cancel(false);
      return;
    }
    String digest = IdempotencyKey.digest(key()); // events carry the key's digest, never the key
    try {
      confirmation = realtime.awaitChange(e -> digest.equals(e.idempotencyKeyDigest()), timeout);
    } catch (IllegalStateException closed) {
      confirmation.cancel(false);
      return;
    }
    confirmation.thenAccept(e -> owner.callbacks().execute(() -> owner.notifyConfirmed(this, e)));
  }

  // ---- the state machine -------------------------------------------------------------------

  /** Moves to {@code next} if legal, then runs {@code after} in order with the listeners. */
  boolean move(MutationState<T> next, @Nullable Runnable after) {
    boolean moved;
    lock.lock();
    try {
      moved = moveLocked(next, after);
    } finally {
      lock.unlock();
    }
    afterUnlock();
    return moved;
  }

  /** The caller holds the lock and kicks the callbacks after releasing it. */
  boolean moveLocked(MutationState<T> next, @Nullable Runnable after) {
    MutationState<T> prev = state;
    if (!prev.kind().canMoveTo(next.kind())) {
      log.debug("Mutation '{}' call {} refused the move {} -> {}", owner.name(), key(), prev, next);
      return false;
    }
    state = next;
    snapshot = next;
    if (handOff != null && handOffResult == null && next.kind() != Kind.PENDING && next.kind() != Kind.IDLE) {
      handOffResult = next.kind() == Kind.QUEUED; // signalled by afterUnlock, outside the lock
    }
    owner.callbacks().enqueue(() -> owner.notifyState(this, prev, next));
    if (after != null) {
      owner.callbacks().enqueue(after);
    }
    return true;
  }

  /** A 2xx response, live or replayed from the queue. */
  void deliver(HttpResponse<byte[]> response) {
    T value;
    try {
      value = owner.decode(key(), response);
    } catch (MutationDecodeException e) {
      fail(e);
      return;
    }
    owner.settled(this);
    OptimisticUpdate<? super V, ? super T, Object> o = owner.optimistic();
    lock.lock();
    try {
      boolean moved = moveLocked(new MutationState.Success<>(value), () -> {
        if (o != null) {
          isolate(() -> o.onSuccess(value, variables, context), "onSuccess");
          isolate(() -> o.onSettled(value, null, variables, context), "onSettled");
        }
        result.complete(value);
      });
      if (moved) {
        owner.succeeded(this); // before anyone can see the result: a reset delay starts now
      }
    } finally {
      lock.unlock();
    }
    afterUnlock();
  }

  void fail(Throwable error) {
    lock.lock();
    try {
      failLocked(error);
    } finally {
      lock.unlock();
    }
    afterUnlock();
  }

  void failLocked(Throwable error) {
    settleFailure(new MutationState.Error<>(error), error);
  }

  private void settleFailure(MutationState<T> next, Throwable error) {
    owner.settled(this);
    OptimisticUpdate<? super V, ? super T, Object> o = owner.optimistic();
    boolean moved = moveLocked(next, () -> {
      if (o != null) {
        isolate(() -> o.onError(error, variables, context), "onError");
        isolate(() -> o.onSettled(null, error, variables, context), "onSettled");
      }
      result.completeExceptionally(error);
    });
    if (moved) {
      confirmation.cancel(false);
    }
  }

  private void isolate(Runnable r, String what) {
    Listeners.isolate(log, "Mutation '" + owner.name() + "': optimistic update", owner.optimistic(), what, r);
  }

  // ---- OfflineSync.ReplayWaiter (called on the replay thread) -------------------------------

  @Override
  public void replayed(HttpResponse<byte[]> response) {
    lock.lock(); // waits until the enqueueing thread has moved the call to QUEUED
    lock.unlock();
    deliver(response);
  }

  @Override
  public void deadLettered(String reason, @Nullable Throwable cause) {
    MutationDeadLetterException e = new MutationDeadLetterException(owner.name(), key(), reason, cause);
    lock.lock();
    try {
      settleFailure(new MutationState.Dead<>(reason), e);
    } finally {
      lock.unlock();
    }
    afterUnlock();
  }

  @Override
  public void removed(String why) {
    fail(new MutationCancelledException(owner.name(), key(), why));
  }

  @Override
  public String toString() {
    return "MutationCall[" + owner.name() + ", key=" + key() + ", " + snapshot + "]";
  }
}
