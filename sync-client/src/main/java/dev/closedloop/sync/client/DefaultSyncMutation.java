package dev.closedloop.sync.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.closedloop.sync.client.MutationState.Kind;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.queue.QueuedItem;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.retry.RetryDecision;
import dev.closedloop.sync.retry.RetryListener;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.Scheduler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine of {@link SyncMutation}: prepares the exchange, runs the per-attempt chain under the
 * retry policy, decodes, queues offline, and drives each call's state machine.
 *
 * <p>Concurrency: the in-flight map joins equal variables ({@code putIfAbsent}); each call's state
 * moves under the call's lock, and the listener events of a move are enqueued on the mutation's
 * {@link SerialExecutor} under that lock, so listeners hear the moves in the order they happened.
 * They run after the lock is released.
 *
 * <p>This class is threadsafe.
 */
final class DefaultSyncMutation<V, T> implements SyncMutation<V, T> {
  private static final Logger log = LoggerFactory.getLogger(SyncMutation.class);

  final String name;
  private final Function<? super V, URI> endpoint;
  private final String method;
  private final ObjectMapper mapper;
  private final Function<? super V, ?> body;
  private final @Nullable String contentType;
  private final @Nullable JavaType responseType;
  private final Map<String, String> headers;
  private final @Nullable Function<? super V, Map<String, String>> variableHeaders;
  private final Set<String> secretHeaders;
  private final RetryPolicy<Object> policy;
  private final List<Interceptor> interceptors;
  private final @Nullable OfflineSync offline;
  private final int priority;
  private final @Nullable Function<? super V, @Nullable String> scope;
  private final Supplier<String> keys;
  final SerialExecutor callbacks;
  private final @Nullable Duration resetAfterSuccess;
  private final List<MutationListener<V, T>> listeners;
  final @Nullable OptimisticUpdate<? super V, ? super T, Object> optimistic;
  private final @Nullable RealtimeClient realtime;
  private final Duration confirmTimeout;
  final Clock clock;
  private final Scheduler scheduler;

  private final ConcurrentHashMap<V, Call<V, T>> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  private volatile @Nullable Call<V, T> latest;

  DefaultSyncMutation(SyncMutationBuilder<V, T> b, RetryPolicy<Object> policy) {
    this.name = b.name;
    this.endpoint = b.endpoint;
    this.method = b.method;
    this.mapper = b.mapper;
    this.body = b.body;
    this.contentType = b.contentType;
    this.responseType = b.responseType;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
    this.variableHeaders = b.variableHeaders;
    this.secretHeaders = Set.copyOf(b.secretHeaders);
    this.policy = policy;
    this.clock = b.clock != null ? b.clock : Clock.system();
    RandomSource random = b.random != null ? b.random : RandomSource.system();
    this.scheduler = policy.scheduler();
    List<Interceptor> chain = new ArrayList<>();
    chain.add(IdempotencyKeyInterceptor.INSTANCE);
    if (b.breakers != null) {
      chain.add(new BreakerInterceptor(b.breakers, policy.ticker()));
    }
    chain.add(new ClassifyInterceptor(clock));
    chain.add(new SendInterceptor(b.http != null ? b.http : SharedHttp.client()));
    this.interceptors = List.copyOf(chain);
    this.offline = b.offline;
    this.priority = b.priority;
    this.scope = b.scope;
    if (b.keys != null) {
      this.keys = b.keys;
    } else {
      UuidV7 uuids = new UuidV7(clock, random);
      this.keys = uuids::nextString;
    }
    this.callbacks = new SerialExecutor(b.callbackExecutor);
    this.resetAfterSuccess = b.resetAfterSuccess;
    this.listeners = List.copyOf(b.listeners);
    this.optimistic = b.optimistic;
    this.realtime = b.realtime;
    this.confirmTimeout = b.confirmTimeout;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public MutationCall<V, T> mutate(V variables) {
    java.util.Objects.requireNonNull(variables, "variables cannot be null");
    Call<V, T> existing = inFlight.get(variables);
    if (existing != null) {
      return existing;
    }
    Exchange exchange = prepare(variables);
    Call<V, T> call = new Call<>(this, variables, exchange, sequence.incrementAndGet());
    Call<V, T> raced = inFlight.putIfAbsent(variables, call);
    if (raced != null) {
      return raced;
    }
    try {
      if (optimistic != null) {
        call.context = optimistic.onMutate(variables);
      }
    } catch (RuntimeException | Error e) {
      inFlight.remove(variables, call);
      throw e;
    }
    latest = call;
    call.watchConfirmation(realtime, confirmTimeout);
    String s = offline == null || scope == null ? null : scope.apply(variables);
    if (s == null) {
      start(call, false);
    } else {
      call.scope = s;
      call.handOff = new CompletableFuture<>();
      offline.admit(s, call.handOff).thenAccept(previousQueued -> start(call, previousQueued));
    }
    return call;
  }

  private void start(Call<V, T> call, boolean behindQueued) {
    try {
      if (offline != null && (behindQueued || !offline.isOnline())) {
        queue(call, null);
      } else {
        send(call);
      }
    } catch (RuntimeException | Error e) {
      log.error("Mutation '{}' failed to start call {}", name, call.key(), e);
      call.fail(e);
    }
  }

  @Override
  public MutationState<T> state() {
    Call<V, T> c = latest;
    return c == null ? MutationState.idle() : c.state();
  }

  @Override
  public List<MutationCall<V, T>> inFlight() {
    List<Call<V, T>> calls = new ArrayList<>(inFlight.values());
    calls.sort(Comparator.comparingLong(c -> c.sequence));
    return Collections.unmodifiableList(new ArrayList<>(calls));
  }

  // ---- preparing ----------------------------------------------------------------------------

  private Exchange prepare(V variables) {
    URI uri;
    try {
      uri = endpoint.apply(variables);
    } catch (RuntimeException e) {
      throw new MutationException(name, null, "the endpoint function threw for " + variables + ": " + e, e);
    }
    if (uri == null) {
      throw new MutationException(name, null, "the endpoint function returned null for " + variables, null);
    }
    try {
      Http.checkUri(uri, "endpoint");
    } catch (IllegalArgumentException e) {
      throw new MutationException(name, null, e.getMessage(), e);
    }
    Object payload = body.apply(variables);
    byte[] bytes;
    if (payload == null) {
      bytes = new byte[0];
    } else {
      try {
        bytes = mapper.writeValueAsBytes(payload);
      } catch (JsonProcessingException e) {
        throw new MutationEncodeException(name, payload.getClass().getName(), e);
      }
    }
    LinkedHashMap<String, String> h = new LinkedHashMap<>(headers);
    if (variableHeaders != null) {
      Map<String, String> extra = variableHeaders.apply(variables);
      if (extra == null) {
        throw new MutationException(name, null, "the headers function returned null for " + variables, null);
      }
      try {
        extra.forEach((n, v) -> {
          Http.checkHeader(n, v);
          h.put(n, v);
        });
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new MutationException(name, null, "bad header from the headers function: " + e.getMessage(), e);
      }
    }
    String key;
    try {
      key = keys.get();
      if (key == null) {
        throw new IllegalArgumentException("the key supplier returned null");
      }
      Http.checkKey(key);
    } catch (IllegalArgumentException e) {
      throw new MutationException(name, null, e.getMessage(), e);
    }
    return new Exchange(name, method, uri, Collections.unmodifiableMap(h), bytes, key,
        payload == null ? null : contentType, null);
  }

  // ---- running --------------------------------------------------------------------------------

  private void send(Call<V, T> call) {
    RetryPolicy<Object> p = policy.toBuilder().listener(call.retryListener()).build();
    CompletableFuture<Object> f = p.executeAsync(ctx -> {
      call.attemptStarted(ctx.attempt(), ctx.maxAttempts());
      Exchange e = call.exchange.withTimeout(ctx.isTimeLimited() ? ctx.remaining() : null);
      return Interceptor.run(interceptors, e);
    });
    f.whenComplete((r, t) -> {
      try {
        settle(call, r, t);
      } catch (RuntimeException | Error e) {
        log.error("Mutation '{}' failed to settle call {}", name, call.key(), e);
        call.fail(e);
      }
    });
  }

  @SuppressWarnings("unchecked")
  private void settle(Call<V, T> call, @Nullable Object response, @Nullable Throwable failure) {
    if (failure == null) {
      call.deliver((HttpResponse<byte[]>) response);
      return;
    }
    Throwable f = unwrap(failure);
    if (offline != null && Classifier.isTransient(f)) {
      queue(call, f);
    } else {
      call.fail(f);
    }
  }

  private void queue(Call<V, T> call, @Nullable Throwable cause) {
    QueuedRequest request = toQueued(call);
    boolean moved = false;
    call.lock.lock();
    try {
      try {
        QueuedItem item = offline.enqueue(request, call);
        moved = call.moveLocked(new MutationState.Queued<>(item.id()), null);
      } catch (IOException | RuntimeException e) {
        MutationException me = new MutationException(name, call.key(), "could not queue the request offline: " + e, e);
        if (cause != null) {
          me.addSuppressed(cause);
        }
        call.failLocked(me);
      }
    } finally {
      call.lock.unlock();
    }
    call.afterUnlock();
    if (moved) {
      offline.enqueued();
    }
  }

  private QueuedRequest toQueued(Call<V, T> call) {
    Exchange e = call.exchange;
    LinkedHashMap<String, String> kept = new LinkedHashMap<>();
    e.headers.forEach((n, v) -> {
      if (!secretHeaders.contains(n.toLowerCase(Locale.ROOT))) {
        kept.put(n, v);
      }
    });
    if (e.contentType != null && kept.keySet().stream().noneMatch("Content-Type"::equalsIgnoreCase)) {
      kept.put("Content-Type", e.contentType);
    }
    return QueuedRequest.of(name, e.method, e.uri, e.key, e.body).withHeaders(kept).withPriority(priority)
        .withScope(call.scope);
  }

  /** Decodes a 2xx body: empty → null; untyped mutation → null. */
  @Nullable
  T decode(String key, HttpResponse<byte[]> response) {
    byte[] b = response.body();
    if (responseType == null || b == null || b.length == 0) {
      return null;
    }
    try {
      return mapper.readValue(b, responseType);
    } catch (IOException e) {
      throw new MutationDecodeException(name, key, response.statusCode(), responseType.toString(), b, e);
    }
  }

  void removeInFlight(Call<V, T> call) {
    inFlight.remove(call.variables, call);
  }

  /** Called under the call's lock, right after it moved to SUCCESS. */
  void scheduleReset(Call<V, T> call) {
    if (resetAfterSuccess == null) {
      return;
    }
    if (resetAfterSuccess.isZero()) {
      call.moveLocked(MutationState.idle(), null);
    } else {
      scheduler.schedule(() -> call.move(MutationState.idle(), null), resetAfterSuccess);
    }
  }

  void notifyState(Call<V, T> call, MutationState<T> from, MutationState<T> to) {
    for (MutationListener<V, T> l : listeners) {
      try {
        l.onStateChange(call, from, to);
      } catch (RuntimeException | Error e) {
        log.warn("Mutation listener {} threw on {} -> {}", l, from, to, e);
      }
    }
  }

  void notifyConfirmed(Call<V, T> call, ChangeEvent event) {
    for (MutationListener<V, T> l : listeners) {
      try {
        l.onConfirmed(call, event);
      } catch (RuntimeException | Error e) {
        log.warn("Mutation listener {} threw on confirmation", l, e);
      }
    }
  }

  static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  @Override
  public String toString() {
    return "SyncMutation[" + name + ": " + method + ", " + inFlight.size() + " in flight]";
  }

  // ---- one call -------------------------------------------------------------------------------

  /** One call: its key, exchange, state machine, futures; also the offline queue's waiter. */
  static final class Call<V, T> implements MutationCall<V, T>, OfflineSync.ReplayWaiter {
    final DefaultSyncMutation<V, T> owner;
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

    /** After releasing the lock: runs the callbacks enqueued, then lets the next call of the scope go. */
    void afterUnlock() {
      owner.callbacks.kick();
      CompletableFuture<Boolean> h = handOff;
      Boolean r = handOffResult;
      if (h != null && r != null) {
        h.complete(r);
      }
    }

    Call(DefaultSyncMutation<V, T> owner, V variables, Exchange exchange, long sequence) {
      this.owner = owner;
      this.variables = variables;
      this.exchange = exchange;
      this.sequence = sequence;
    }

    @Override
    public String mutationName() {
      return owner.name;
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
      confirmation.thenAccept(e -> owner.callbacks.execute(() -> owner.notifyConfirmed(this, e)));
    }

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
        log.debug("Mutation '{}' call {} refused the move {} -> {}", owner.name, key(), prev, next);
        return false;
      }
      state = next;
      snapshot = next;
      if (handOff != null && handOffResult == null && next.kind() != Kind.PENDING && next.kind() != Kind.IDLE) {
        handOffResult = next.kind() == Kind.QUEUED; // signalled by afterUnlock, outside the lock
      }
      owner.callbacks.enqueue(() -> owner.notifyState(this, prev, next));
      if (after != null) {
        owner.callbacks.enqueue(after);
      }
      return true;
    }

    RetryListener<Object> retryListener() {
      return new RetryListener<>() {
        @Override
        public void onRetryScheduled(int attempt, @Nullable Object r, @Nullable Throwable f, RetryDecision decision) {
          move(new MutationState.Pending<>(attempt + 1, owner.policy.maxAttempts(),
              owner.clock.instant().plus(decision.delay())), null);
        }
      };
    }

    void attemptStarted(int attempt, int maxAttempts) {
      move(new MutationState.Pending<>(attempt, maxAttempts, null), null);
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
      owner.removeInFlight(this);
      OptimisticUpdate<? super V, ? super T, Object> o = owner.optimistic;
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
          owner.scheduleReset(this); // before anyone can see the result: the delay starts now
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
      owner.removeInFlight(this);
      OptimisticUpdate<? super V, ? super T, Object> o = owner.optimistic;
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
      try {
        r.run();
      } catch (RuntimeException | Error e) {
        log.warn("Optimistic update {} of mutation '{}' threw", what, owner.name, e);
      }
    }

    // ---- OfflineSync.ReplayWaiter (called on the replay thread) -----------------------------

    @Override
    public void replayed(HttpResponse<byte[]> response) {
      lock.lock(); // waits until the enqueueing thread has moved the call to QUEUED
      lock.unlock();
      deliver(response);
    }

    @Override
    public void deadLettered(String reason, @Nullable Throwable cause) {
      MutationDeadLetterException e = new MutationDeadLetterException(owner.name, key(), reason, cause);
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
      fail(new MutationCancelledException(owner.name, key(), why));
    }

    @Override
    public String toString() {
      return "MutationCall[" + owner.name + ", key=" + key() + ", " + snapshot + "]";
    }
  }

}
