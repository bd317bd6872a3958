package dev.closedloop.sync.client;

import dev.closedloop.sync.queue.NackResult;
import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.queue.QueuedItem;
import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.time.Scheduler;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 *   <li>{@link #syncNow()} runs a pass: due requests one at a time, by priority, in order within
 *       a scope (the queue's order), each with its key;
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
 *   <li>a payload this client cannot read, or an item past its expiry: dead-lettered.
 * </ul>
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
  private final List<Interceptor> interceptors;
  private final Function<QueuedRequest, Map<String, String>> secretHeaders;
  private final Map<String, ReplayHandler> handlers;
  private final List<OfflineSyncListener> listeners;
  private final @Nullable Connectivity connectivity;
  private final boolean autoSync;
  private final Duration requestTimeout;
  private final Duration resyncDelay;
  private final Scheduler scheduler;
  private final Clock clock;
  private final Executor executor;
  private final @Nullable UnauthorizedHandler unauthorized;
  private final Duration unauthorizedWait;
  private final @Nullable ExecutorService ownExecutor;
  private final Connectivity.@Nullable Listener connectivityListener;

  private final ConcurrentHashMap<String, ReplayWaiter> waiters = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock(); // guards the fields below
  private final ReentrantLock passLock = new ReentrantLock(); // one pass at a time
  private @Nullable CompletableFuture<SyncSummary> nextPass;
  private @Nullable Cancellable resyncTimer;
  private final Map<String, CompletableFuture<Boolean>> scopeTails = new java.util.HashMap<>();
  private volatile boolean closed;

  OfflineSync(OfflineSyncBuilder b) {
    this.queue = b.queue;
    this.clock = b.clock;
    this.interceptors = Interceptor.pipeline(null, clock, b.http); // the live path's steps, no breaker
    this.secretHeaders = b.secretHeaders;
    this.handlers = Map.copyOf(b.handlers);
    this.listeners = List.copyOf(b.listeners);
    this.connectivity = b.connectivity;
    this.autoSync = b.autoSync;
    this.requestTimeout = b.requestTimeout;
    this.resyncDelay = b.resyncDelay;
    this.unauthorized = b.unauthorized;
    this.unauthorizedWait = b.unauthorizedWait;
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
    CompletableFuture<Boolean> previous;
    lock.lock();
    try {
      previous = scopeTails.put(scope, handOff);
    } finally {
      lock.unlock();
    }
    handOff.whenComplete((q, t) -> {
      lock.lock();
      try {
        scopeTails.remove(scope, handOff);
      } finally {
        lock.unlock();
      }
    });
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
      lock.lock();
      try {
        if (nextPass == pass) {
          nextPass = null;
        }
      } finally {
        lock.unlock();
      }
      pass.completeExceptionally(e);
    }
    return pass.copy();
  }

  private void runPass(CompletableFuture<SyncSummary> pass) {
    lock.lock();
    try {
      if (nextPass == pass) {
        nextPass = null;
      }
    } finally {
      lock.unlock();
    }
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
    for (OfflineSyncListener l : listeners) {
      isolate(() -> l.onSyncFinished(summary), l);
    }
    pass.complete(summary);
    if (autoSync && !closed && isOnline() && !queue.pending().isEmpty()) {
      scheduleResync();
    }
  }

  private SyncSummary pass() throws IOException {
    int replayed = 0;
    int retried = 0;
    int dead = 0;
    while (!closed) {
      if (!isOnline()) {
        for (OfflineSyncListener l : listeners) {
          isolate(() -> l.onOffline(null, null), l);
        }
        return new SyncSummary(replayed, retried, dead, true);
      }
      Optional<QueuedItem> next = queue.poll();
      if (next.isEmpty()) {
        break;
      }
      QueuedItem item = next.get();
      QueuedRequest request;
      try {
        request = QueuedRequest.decode(item);
      } catch (IOException e) {
        if (queue.deadLetter(item.id(), "unreadable queued request: " + e.getMessage())) {
          dead++;
          log.warn("Dead-lettered queued item {}: {}", item.id(), e.getMessage());
        }
        continue;
      }
      if (item.expiresAt() != null && clock.millis() >= item.expiresAt().toEpochMilli()) {
        String reason = "expired at " + item.expiresAt() + " after " + item.attempts() + " attempts";
        if (queue.deadLetter(item.id(), reason)) {
          dead++;
          notifyDead(request, reason, null);
        }
        continue;
      }
      Outcome outcome = replay(request);
      boolean renewed = false;
      if (unauthorized != null && outcome.failure instanceof MutationHttpException
          && ((MutationHttpException) outcome.failure).status() == 401) {
        MutationHttpException refused = (MutationHttpException) outcome.failure;
        String noCredential;
        try {
          noCredential = awaitNewCredential(request, refused);
        } catch (InterruptedException e) {
          queue.release(item.id());
          Thread.currentThread().interrupt();
          return new SyncSummary(replayed, retried, dead, false);
        }
        if (noCredential != null) {
          String reason = httpReason(refused) + "; no new credential: " + noCredential;
          if (queue.deadLetter(item.id(), reason)) {
            dead++;
            notifyDead(request, reason, refused);
          }
          continue;
        }
        outcome = replay(request); // the same key; the supplier gives the new credential
        renewed = true;
      }
      if (outcome.response != null) {
        if (!queue.ack(item.id())) {
          log.debug("Replayed item {} was no longer in flight (cleared?)", item.id());
        }
        replayed++;
        notifyReplayed(request, outcome.response);
      } else if (outcome.interrupted) {
        queue.release(item.id());
        Thread.currentThread().interrupt();
        return new SyncSummary(replayed, retried, dead, false);
      } else if (outcome.failure instanceof MutationNetworkException) {
        queue.release(item.id());
        Throwable f = outcome.failure;
        for (OfflineSyncListener l : listeners) {
          isolate(() -> l.onOffline(request, f), l);
        }
        return new SyncSummary(replayed, retried, dead, true);
      } else if (outcome.failure instanceof MutationHttpException
          && !((MutationHttpException) outcome.failure).isRetryable()) {
        MutationHttpException h = (MutationHttpException) outcome.failure;
        String reason = httpReason(h) + (renewed && h.status() == 401 ? " (again, with a new credential)" : "");
        if (queue.deadLetter(item.id(), reason)) {
          dead++;
          notifyDead(request, reason, h);
        }
      } else {
        Throwable f = outcome.failure;
        NackResult r = queue.nack(item.id(), f);
        if (r == NackResult.RETRY_SCHEDULED) {
          retried++;
          for (OfflineSyncListener l : listeners) {
            isolate(() -> l.onRetryScheduled(request, f), l);
          }
        } else if (r == NackResult.DEAD_LETTERED) {
          dead++;
          notifyDead(request, "retries exhausted: " + f.getMessage(), f);
        }
      }
    }
    return new SyncSummary(replayed, retried, dead, false);
  }

  private static String httpReason(MutationHttpException h) {
    return "HTTP " + h.status()
        + (h.problemType() != null ? " " + h.problemType() : "")
        + (h.problemDetail() != null ? ": " + h.problemDetail()
            : h.body().length > 0 ? ": " + MutationHttpException.excerpt(h.body()) : "");
  }

  /** Asks the {@link UnauthorizedHandler} and waits; returns null for a new credential, else why not. */
  private @Nullable String awaitNewCredential(QueuedRequest request, MutationHttpException refused)
      throws InterruptedException {
    UnauthorizedHandler handler = Objects.requireNonNull(unauthorized);
    CompletableFuture<Boolean> answer;
    try {
      answer = handler.onUnauthorized(request, refused).toCompletableFuture();
    } catch (RuntimeException e) {
      log.warn("Unauthorized handler {} threw", handler, e);
      return "the handler threw " + e;
    }
    try {
      return Boolean.TRUE.equals(answer.get(unauthorizedWait.toNanos(), TimeUnit.NANOSECONDS)) ? null
          : "the handler declined";
    } catch (TimeoutException e) {
      answer.cancel(false);
      return "none within " + unauthorizedWait;
    } catch (ExecutionException e) {
      return "the handler failed: " + (e.getCause() != null ? e.getCause() : e);
    } catch (CancellationException e) {
      return "the handler cancelled";
    }
  }

  private static final class Outcome {
    @Nullable HttpResponse<byte[]> response;
    @Nullable Throwable failure;
    boolean interrupted;
  }

  private Outcome replay(QueuedRequest request) {
    Outcome o = new Outcome();
    LinkedHashMap<String, String> headers = new LinkedHashMap<>(request.headers());
    try {
      Map<String, String> secrets = secretHeaders.apply(request);
      if (secrets != null) {
        secrets.forEach((n, v) -> {
          Http.checkHeader(n, v);
          headers.put(n, v);
        });
      }
    } catch (RuntimeException e) {
      o.failure = new MutationException(request.mutationName(), request.idempotencyKey(),
          "the secret header supplier failed: " + e, e);
      return o;
    }
    Exchange exchange = new Exchange(request.mutationName(), request.method(), request.uri(),
        java.util.Collections.unmodifiableMap(headers), request.bodyUnsafe(), request.idempotencyKey(), null,
        requestTimeout);
    CompletableFuture<HttpResponse<byte[]>> f = Interceptor.run(interceptors, exchange);
    try {
      o.response = f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      o.interrupted = true;
    } catch (ExecutionException e) {
      o.failure = DefaultSyncMutation.unwrap(e.getCause() != null ? e.getCause() : e);
    }
    return o;
  }

  private void notifyReplayed(QueuedRequest request, HttpResponse<byte[]> response) {
    ReplayWaiter w = waiters.remove(request.idempotencyKey());
    if (w != null) {
      try {
        w.replayed(response);
      } catch (RuntimeException | Error e) {
        log.warn("Completing the call of {} failed", request, e);
      }
    }
    ReplayHandler h = handlers.get(request.mutationName());
    if (h != null) {
      isolate(() -> h.onReplayed(request, response), h);
    }
    for (OfflineSyncListener l : listeners) {
      isolate(() -> l.onReplayed(request, response.statusCode()), l);
    }
  }

  private void notifyDead(QueuedRequest request, String reason, @Nullable Throwable cause) {
    ReplayWaiter w = waiters.remove(request.idempotencyKey());
    if (w != null) {
      try {
        w.deadLettered(reason, cause);
      } catch (RuntimeException | Error e) {
        log.warn("Failing the call of {} failed", request, e);
      }
    }
    ReplayHandler h = handlers.get(request.mutationName());
    if (h != null) {
      isolate(() -> h.onDeadLettered(request, reason), h);
    }
    for (OfflineSyncListener l : listeners) {
      isolate(() -> l.onDeadLettered(request, reason), l);
    }
  }

  private static void isolate(Runnable r, Object who) {
    try {
      r.run();
    } catch (RuntimeException | Error e) {
      log.warn("Offline sync callback {} threw", who, e);
    }
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
      try {
        out.add(new PendingRequest(item.id(), QueuedRequest.decode(item), item.attempts(), item.notBefore(),
            item.lastError()));
      } catch (IOException e) {
        log.debug("Pending item {} is unreadable: {}", item.id(), e.getMessage());
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
