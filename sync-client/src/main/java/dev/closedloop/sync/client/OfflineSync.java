package dev.closedloop.sync.client;

import dev.closedloop.sync.queue.DrainSummary;
import dev.closedloop.sync.queue.DrainVerdict;
import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.queue.OfflineQueueListener;
import dev.closedloop.sync.queue.QueuedItem;
import dev.closedloop.sync.spi.Listeners;
import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Scheduler;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays the requests that mutations could not send, from a durable {@link OfflineQueue}, with
 * their original idempotency keys: the seed's offline helpers under Java names.
 *
 * <ul>
 *   <li>{@link #enqueue} adds a request to the queue (mutations built with {@link
 *       SyncMutationBuilder#offline} do it themselves);
 *   <li>{@link #syncNow()} runs a pass, a {@linkplain OfflineQueue#drain(java.util.function.Function,
 *       dev.closedloop.sync.queue.OfflineQueueListener) drain} of the queue: due requests one at a
 *       time, by priority, in order within a scope (the queue's order), each with its key;
 *   <li>auto-sync ({@link OfflineSyncBuilder#autoSync}) runs a pass when {@link Connectivity}
 *       comes back, shortly after a request is queued while online, and again after a pass that
 *       left work;
 *   <li>{@link #pending()} lists what waits, {@link #clear()} drops it.
 * </ul>
 *
 * <p>Scope order holds from the click on: a mutation call with a scope starts only when the
 * previous call of that scope (of any mutation using this sync) has settled or gone to the queue;
 * if it went to the queue, the new call is queued behind it instead of being sent, so a later
 * change never overtakes an earlier one that is waiting offline.
 *
 * <h2>One replay</h2>
 *
 * The request goes through the same steps as a live attempt (idempotency key, classification,
 * send), with the secret headers from the header supplier:
 *
 * <ul>
 *   <li>2xx (a replay of the first answer included): acknowledged; the call that queued it (if it
 *       lives in this process) completes with the decoded body, and the {@link ReplayHandler} of
 *       the mutation's name hears it;
 *   <li>no answer (refused, reset, timed out): handed back to the queue without counting an
 *       attempt, and the pass stops: we are offline;
 *   <li>a status worth retrying (5xx, 408, 425, 429, 409 in progress): a failed attempt; the
 *       queue's retry policy schedules another after its backoff or, at its last attempt,
 *       dead-letters it;
 *   <li>401 with an {@link UnauthorizedHandler} ({@link OfflineSyncBuilder#onUnauthorized}): the
 *       pass waits for the handler to get a new credential, then replays the request once more
 *       with the same key and the headers the supplier gives now; no new credential (declined,
 *       failed, or not within the wait), or a second 401, dead-letters it with that reason;
 *   <li>any other status (400, 401, 403, 404, 422, ...): dead-lettered at once with the status and
 *       the problem or body as the reason; the call fails with {@link
 *       MutationDeadLetterException}, the handler and listeners hear it;
 *   <li>a payload this client cannot read: dead-lettered;
 *   <li>an item past its expiry, or whose attempts already reach the queue's retry policy's
 *       maximum: dead-lettered by the queue without a replay (the queue's clock decides expiry).
 * </ul>
 *
 * <p>The call, the handler and the listeners hear of an item once the queue has recorded what
 * became of it.
 *
 * <p>Passes never overlap; a {@code syncNow} while one runs returns the next pass (shared by every
 * caller that asks before it starts).
 *
 * <p>This class is threadsafe.
 */
public final class OfflineSync implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OfflineSync.class);

  /** What a live call in this process waits for; implemented by the mutation's call. */
  interface ReplayWaiter {
    void replayed(HttpResponse<byte[]> response);

    void deadLettered(String reason, @Nullable Throwable cause);

    void removed(String why);
  }

  private final OfflineQueue queue;
  private final Replayer replayer;
  private final Map<String, ReplayHandler> handlers;
  private final Listeners<OfflineSyncListener> events;
  private final @Nullable Connectivity connectivity;
  private final boolean autoSync;
  private final Duration resyncDelay;
  private final Scheduler scheduler;
  private final Executor executor;
  private final @Nullable ExecutorService ownExecutor;
  private final Connectivity.@Nullable Listener connectivityListener;

  private final ConcurrentHashMap<String, ReplayWaiter> waiters = new ConcurrentHashMap<>();
  // per scope, the hand-off signal of the newest call (see admit)
  private final ConcurrentHashMap<String, CompletableFuture<Boolean>> scopeTails = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock(); // guards the fields below
  private final ReentrantLock passLock = new ReentrantLock(); // one pass at a time
  private @Nullable CompletableFuture<SyncSummary> nextPass;
  private @Nullable Cancellable resyncTimer;
  private volatile boolean closed;

  OfflineSync(OfflineSyncBuilder b) {
    this.queue = b.queue;
    this.replayer = new Replayer(b);
    this.handlers = Map.copyOf(b.handlers);
    this.events = Listeners.of(b.listeners, log, "Offline sync");
    this.connectivity = b.connectivity;
    this.autoSync = b.autoSync;
    this.resyncDelay = b.resyncDelay;
    this.scheduler = b.scheduler;
    if (b.executor != null) {
      this.executor = b.executor;
      this.ownExecutor = null;
    } else {
      ThreadPoolExecutor own = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "closedloop-offline-sync");
        t.setDaemon(true);
        return t;
      });
      this.executor = own;
      this.ownExecutor = own;
    }
    if (autoSync && connectivity != null) {
      Connectivity.Listener l = online -> {
        if (online) {
          syncNow();
        }
      };
      this.connectivityListener = l;
      connectivity.addListener(l);
    } else {
      this.connectivityListener = null;
    }
  }

  /**
   * Returns a builder for a sync over {@code queue}; the queue stays the caller's to close.
   *
   * @throws NullPointerException if {@code queue} is null
   */
  public static OfflineSyncBuilder builder(OfflineQueue queue) {
    return new OfflineSyncBuilder(queue);
  }

  /** Returns the queue. */
  public OfflineQueue queue() {
    return queue;
  }

  /** Returns false while the {@link Connectivity} (if any) says offline. */
  public boolean isOnline() {
    return connectivity == null || connectivity.isOnline();
  }

  /**
   * Adds {@code request} to the queue (the seed's "add to queue"); with auto-sync on and online, a
   * pass follows shortly.
   *
   * @return the queued item
   * @throws NullPointerException if {@code request} is null
   * @throws IllegalArgumentException if the request is larger than the queue accepts
   * @throws dev.closedloop.sync.queue.OfflineQueueFullException if the queue is at its bound on
   *     items or bytes; nothing was queued (a mutation whose call would go to a full queue fails
   *     with a {@link MutationException} caused by it)
   * @throws IOException if the queue could not store it
   * @throws IllegalStateException if the queue is closed
   */
  public QueuedItem enqueue(QueuedRequest request) throws IOException {
    Objects.requireNonNull(request, "request cannot be null");
    QueuedItem item = queue.offer(request.toOffer());
    enqueued();
    return item;
  }

  /** Queues for a live call, which hears the outcome; the waiter is known before the offer. */
  QueuedItem enqueue(QueuedRequest request, ReplayWaiter waiter) throws IOException {
    waiters.put(request.idempotencyKey(), waiter);
    try {
      return queue.offer(request.toOffer());
    } catch (IOException | RuntimeException e) {
      waiters.remove(request.idempotencyKey(), waiter);
      throw e;
    }
  }

  /**
   * Orders the calls of one scope across the live path and the queue: returns a future that
   * completes when the previous call of {@code scope} handed to this sync has left the live path,
   * with true if it went to the queue (then this call must queue too, behind it) or false if it
   * settled live; {@code handOff} is this call's own signal for the next one, which the call
   * completes the same way.
   */
  CompletableFuture<Boolean> admit(String scope, CompletableFuture<Boolean> handOff) {
    CompletableFuture<Boolean> previous = scopeTails.put(scope, handOff);
    handOff.whenComplete((q, t) -> scopeTails.remove(scope, handOff));
    return previous == null ? CompletableFuture.completedFuture(false) : previous.exceptionally(t -> false);
  }

  /** A request was queued: with auto-sync on and online, a pass follows after the resync delay. */
  void enqueued() {
    if (autoSync && isOnline()) {
      scheduleResync();
    }
  }

  /**
   * Runs a pass on the sync's executor: replays due requests until none is due, the network is
   * down or {@link Connectivity} says offline.
   *
   * @return the pass's summary; fails with the {@link IOException} of a queue write that failed
   *     (the pass stops, the item waits again), or {@link IllegalStateException} once closed
   */
  public CompletableFuture<SyncSummary> syncNow() {
    CompletableFuture<SyncSummary> f;
    lock.lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("offline sync is closed"));
      }
      if (nextPass != null) {
        return nextPass.copy();
      }
      f = new CompletableFuture<>();
      nextPass = f;
    } finally {
      lock.unlock();
    }
    CompletableFuture<SyncSummary> pass = f;
    try {
      executor.execute(() -> runPass(pass));
    } catch (RejectedExecutionException e) {
      started(pass);
      pass.completeExceptionally(e);
    }
    return pass.copy();
  }

  /** {@code pass} has started (or will never run): a {@code syncNow} from now on asks for the next. */
  private void started(CompletableFuture<SyncSummary> pass) {
    lock.lock();
    try {
      if (nextPass == pass) {
        nextPass = null;
      }
    } finally {
      lock.unlock();
    }
  }

  private void runPass(CompletableFuture<SyncSummary> pass) {
    started(pass);
    SyncSummary summary;
    passLock.lock();
    try {
      summary = pass();
    } catch (IOException | RuntimeException | Error e) {
      log.warn("Offline sync pass failed", e);
      pass.completeExceptionally(e);
      return;
    } finally {
      passLock.unlock();
    }
    events.fire("onSyncFinished", OfflineSyncListener::onSyncFinished, summary);
    pass.complete(summary);
    if (autoSync && !closed && isOnline() && !queue.pending().isEmpty()) {
      scheduleResync();
    }
  }

  private SyncSummary pass() throws IOException {
    Pass pass = new Pass();
    DrainSummary drained = closed || !isOnline() ? new DrainSummary(0, 0, 0) : queue.drain(pass, pass);
    if (!pass.stopped && !closed && !isOnline()) {
      pass.offline = true; // went offline after the last request, or before the first
    }
    if (pass.offline) {
      events.fire("onOffline", OfflineSyncListener::onOffline, pass.offlineRequest, pass.offlineFailure);
    }
    return new SyncSummary(drained.succeeded(), drained.retried(), drained.deadLettered(), pass.offline);
  }

  /**
   * One pass. The queue owns the loop (order, expiry, attempts, settling); a pass judges each item
   * it is handed ({@link #apply}: decode, replay) and, as the drain's listener, tells the waiting
   * call, the replay handler and the listeners once the queue has settled the item. Passes never
   * overlap, so a pass is used by one thread; the queue calls its listener outside its locks.
   */
  private final class Pass implements Function<QueuedItem, DrainVerdict>, OfflineQueueListener {
    boolean stopped;
    boolean offline;
    @Nullable QueuedRequest offlineRequest;
    @Nullable Throwable offlineFailure;
    long itemId = -1; // the item judged last, its request (null if unreadable) and its replay
    @Nullable QueuedRequest request;
    Replayer.@Nullable Replayed replayed;

    @Override
    public DrainVerdict apply(QueuedItem item) {
      itemId = item.id();
      request = null;
      replayed = null;
      if (closed || !isOnline()) {
        stopped = true;
        offline = !closed;
        return DrainVerdict.stop();
      }
      try {
        request = QueuedRequest.decode(item);
      } catch (IOException e) {
        return DrainVerdict.dead("unreadable queued request: " + e.getMessage());
      }
      Replayer.Replayed r = replayed = replayer.replay(request);
      if (r.stop()) {
        stopped = true;
        offline = r.failure() != null;
        offlineRequest = request;
        offlineFailure = r.failure();
      }
      return r.verdict();
    }

    @Override
    public void onAcked(QueuedItem item) {
      if (item.id() == itemId && replayed != null && replayed.response() != null) {
        notifyReplayed(request, replayed.response());
      }
    }

    @Override
    public void onRetryScheduled(QueuedItem item, Throwable failure) {
      if (item.id() == itemId && request != null) {
        events.fire("onRetryScheduled", OfflineSyncListener::onRetryScheduled, request, failure);
      }
    }

    @Override
    public void onDeadLettered(QueuedItem item) { // the queue has logged it
      boolean judged = item.id() == itemId; // else the queue dead-lettered it unrun: expired, attempts used up
      QueuedRequest r = judged ? request : decodeOrNull(item);
      if (r != null && judged && replayed != null) {
        Throwable f = replayed.failure(); // with no reason, the cause of a retry that the queue's policy refused
        notifyDead(r, replayed.reason() != null ? replayed.reason() : "retries exhausted: " + f.getMessage(), f);
      } else if (r != null) {
        notifyDead(r, Objects.requireNonNullElse(item.lastError(), ""), null);
      }
    }
  }

  private static @Nullable QueuedRequest decodeOrNull(QueuedItem item) {
    try {
      return QueuedRequest.decode(item);
    } catch (IOException e) {
      log.debug("Queued item {} is unreadable: {}", item.id(), e.getMessage());
      return null;
    }
  }

  private void notifyReplayed(QueuedRequest request, HttpResponse<byte[]> response) {
    ReplayWaiter w = waiters.remove(request.idempotencyKey());
    if (w != null) {
      Listeners.isolate(log, "Offline sync", request, "completing its call", () -> w.replayed(response));
    }
    ReplayHandler h = handlers.get(request.mutationName());
    if (h != null) {
      Listeners.isolate(log, "Offline sync", h, "onReplayed", () -> h.onReplayed(request, response));
    }
    events.fire("onReplayed", OfflineSyncListener::onReplayed, request, response.statusCode());
  }

  private void notifyDead(QueuedRequest request, String reason, @Nullable Throwable cause) {
    ReplayWaiter w = waiters.remove(request.idempotencyKey());
    if (w != null) {
      Listeners.isolate(log, "Offline sync", request, "failing its call", () -> w.deadLettered(reason, cause));
    }
    ReplayHandler h = handlers.get(request.mutationName());
    if (h != null) {
      Listeners.isolate(log, "Offline sync", h, "onDeadLettered", () -> h.onDeadLettered(request, reason));
    }
    events.fire("onDeadLettered", OfflineSyncListener::onDeadLettered, request, reason);
  }

  private void scheduleResync() {
    lock.lock();
    try {
      if (closed || resyncTimer != null) {
        return;
      }
      resyncTimer = scheduler.schedule(() -> {
        lock.lock();
        try {
          resyncTimer = null;
        } finally {
          lock.unlock();
        }
        if (!closed) {
          syncNow();
        }
      }, resyncDelay);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Lists the requests waiting (or being replayed), oldest first (the seed's "list pending").
   * Items whose payload this client cannot read are left out (a pass dead-letters them).
   *
   * @throws IllegalStateException if the queue is closed
   */
  public List<PendingRequest> pending() {
    List<PendingRequest> out = new ArrayList<>();
    for (QueuedItem item : queue.pending()) {
      QueuedRequest request = decodeOrNull(item);
      if (request != null) {
        out.add(new PendingRequest(item.id(), request, item.attempts(), item.notBefore(), item.lastError()));
      }
    }
    return out;
  }

  /**
   * Removes every request from the queue, dead letters included (the seed's "clear"). Calls of
   * this process waiting for one fail with {@link MutationCancelledException}. A request being
   * replayed at this moment may still reach the server.
   *
   * @throws IOException if the queue could not record it; nothing changed
   */
  public void clear() throws IOException {
    queue.clear();
    for (Map.Entry<String, ReplayWaiter> e : waiters.entrySet()) {
      if (waiters.remove(e.getKey(), e.getValue())) {
        e.getValue().removed("removed from the offline queue by clear()");
      }
    }
  }

  /**
   * Stops auto-sync and the sync's own thread (after the pass that runs, which stops at its next
   * request). Does not close the queue. Calls still waiting for a queued request stay pending.
   * Idempotent.
   */
  @Override
  public void close() {
    Cancellable timer;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      timer = resyncTimer;
      resyncTimer = null;
    } finally {
      lock.unlock();
    }
    if (timer != null) {
      timer.cancel();
    }
    if (connectivity != null && connectivityListener != null) {
      connectivity.removeListener(connectivityListener);
    }
    if (ownExecutor != null) {
      ownExecutor.shutdown();
    }
  }

  @Override
  public String toString() {
    return "OfflineSync[" + queue + (closed ? ", closed" : "") + "]";
  }
}
