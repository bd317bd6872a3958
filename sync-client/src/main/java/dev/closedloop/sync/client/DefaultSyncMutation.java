package dev.closedloop.sync.client;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.closedloop.sync.queue.QueuedItem;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.retry.RetryDecision;
import dev.closedloop.sync.retry.RetryListener;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.spi.Listeners;
import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.Scheduler;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine of {@link SyncMutation}: turns variables into a call ({@link MutationRequests}),
 * runs the call's attempts through the {@linkplain Interceptor#pipeline pipeline} under the retry
 * policy (built once, by the builder), and on a transient failure hands the call to the offline
 * queue. Each call's state machine is its own ({@link DefaultMutationCall}); this class is the
 * call's {@link CallHost}.
 *
 * <p>Concurrency: the in-flight map joins equal variables ({@code putIfAbsent}); a call's state
 * moves under the call's lock (see {@link DefaultMutationCall}).
 *
 * <p>This class is threadsafe.
 */
final class DefaultSyncMutation<V, T> implements SyncMutation<V, T>, CallHost<V, T> {
  private static final Logger log = LoggerFactory.getLogger(SyncMutation.class);

  final String name;
  private final MutationRequests<V> requests;
  private final ObjectMapper mapper;
  private final @Nullable JavaType responseType;
  private final RetryPolicy<Object> policy;
  private final List<Interceptor> interceptors;
  private final @Nullable OfflineSync offline;
  private final @Nullable Function<? super V, @Nullable String> scope;
  final SerialExecutor callbacks;
  private final @Nullable Duration resetAfterSuccess;
  private final Listeners<MutationListener<V, T>> listeners;
  final @Nullable OptimisticUpdate<? super V, ? super T, Object> optimistic;
  private final @Nullable RealtimeClient realtime;
  private final Duration confirmTimeout;
  final Clock clock;
  private final Scheduler scheduler;

  private final ConcurrentHashMap<V, DefaultMutationCall<V, T>> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  private volatile @Nullable DefaultMutationCall<V, T> latest;

  DefaultSyncMutation(SyncMutationBuilder<V, T> b, RetryPolicy<Object> policy) {
    this.name = b.name;
    this.mapper = b.mapper;
    this.responseType = b.responseType;
    this.policy = policy;
    this.clock = b.clock != null ? b.clock : Clock.system();
    RandomSource random = b.random != null ? b.random : RandomSource.system();
    this.scheduler = policy.scheduler();
    Supplier<String> keys = b.keys;
    if (keys == null) {
      UuidV7 uuids = new UuidV7(clock, random);
      keys = uuids::nextString;
    }
    this.requests = new MutationRequests<>(b, keys);
    this.interceptors = Interceptor.pipeline(
        b.breakers == null ? null : new BreakerInterceptor(b.breakers, policy.ticker()), clock, b.http);
    this.offline = b.offline;
    this.scope = b.scope;
    this.callbacks = new SerialExecutor(b.callbackExecutor);
    this.resetAfterSuccess = b.resetAfterSuccess;
    this.listeners = Listeners.of(b.listeners, log, "Mutation '" + name + "'");
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
    Objects.requireNonNull(variables, "variables cannot be null");
    DefaultMutationCall<V, T> existing = inFlight.get(variables);
    if (existing != null) {
      return existing;
    }
    Exchange exchange = requests.prepare(variables);
    DefaultMutationCall<V, T> call = new DefaultMutationCall<>(this, variables, exchange, sequence.incrementAndGet());
    DefaultMutationCall<V, T> raced = inFlight.putIfAbsent(variables, call);
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

  private void start(DefaultMutationCall<V, T> call, boolean behindQueued) {
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
    DefaultMutationCall<V, T> c = latest;
    return c == null ? MutationState.idle() : c.state();
  }

  @Override
  public List<MutationCall<V, T>> inFlight() {
    List<DefaultMutationCall<V, T>> calls = new ArrayList<>(inFlight.values());
    calls.sort(Comparator.comparingLong(c -> c.sequence));
    return Collections.unmodifiableList(new ArrayList<>(calls));
  }

  // ---- running --------------------------------------------------------------------------------

  private void send(DefaultMutationCall<V, T> call) {
    CompletableFuture<Object> f = policy.executeAsync(ctx -> {
      call.move(new MutationState.Pending<>(ctx.attempt(), ctx.maxAttempts(), null), null);
      Exchange e = call.exchange.withTimeout(ctx.isTimeLimited() ? ctx.remaining() : null);
      return Interceptor.run(interceptors, e);
    }, retryListener(call));
    f.whenComplete((r, t) -> {
      try {
        settle(call, r, t);
      } catch (RuntimeException | Error e) {
        log.error("Mutation '{}' failed to settle call {}", name, call.key(), e);
        call.fail(e);
      }
    });
  }

  /** Moves {@code call} to PENDING with the time of its next attempt whenever one is scheduled. */
  private RetryListener<Object> retryListener(DefaultMutationCall<V, T> call) {
    return new RetryListener<>() {
      @Override
      public void onRetryScheduled(int attempt, @Nullable Object r, @Nullable Throwable f, RetryDecision decision) {
        call.move(new MutationState.Pending<>(attempt + 1, policy.maxAttempts(),
            clock.instant().plus(decision.delay())), null);
      }
    };
  }

  @SuppressWarnings("unchecked")
  private void settle(DefaultMutationCall<V, T> call, @Nullable Object response, @Nullable Throwable failure) {
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

  private void queue(DefaultMutationCall<V, T> call, @Nullable Throwable cause) {
    OfflineSync sync = Objects.requireNonNull(offline);
    QueuedRequest request = requests.toQueued(call.exchange, call.scope);
    boolean moved = false;
    call.lock.lock();
    try {
      try {
        QueuedItem item = sync.enqueue(request, call);
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
      sync.enqueued();
    }
  }

  // ---- CallHost -------------------------------------------------------------------------------

  @Override
  public SerialExecutor callbacks() {
    return callbacks;
  }

  @Override
  public @Nullable OptimisticUpdate<? super V, ? super T, Object> optimistic() {
    return optimistic;
  }

  @Override
  public @Nullable T decode(String key, HttpResponse<byte[]> response) {
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

  @Override
  public void settled(DefaultMutationCall<V, T> call) {
    inFlight.remove(call.variables, call);
  }

  @Override
  public void succeeded(DefaultMutationCall<V, T> call) {
    if (resetAfterSuccess == null) {
      return;
    }
    if (resetAfterSuccess.isZero()) {
      call.moveLocked(MutationState.idle(), null);
    } else {
      scheduler.schedule(() -> call.move(MutationState.idle(), null), resetAfterSuccess);
    }
  }

  @Override
  public void notifyState(DefaultMutationCall<V, T> call, MutationState<T> from, MutationState<T> to) {
    listeners.fire("onStateChange", (l, f, t) -> l.onStateChange(call, f, t), from, to);
  }

  @Override
  public void notifyConfirmed(DefaultMutationCall<V, T> call, ChangeEvent event) {
    listeners.fire("onConfirmed", (l, e) -> l.onConfirmed(call, e), event);
  }

  static Throwable unwrap(Throwable t) {
    return DefaultMutationCall.unwrap(t);
  }

  @Override
  public String toString() {
    return "SyncMutation[" + name + ": " + requests.method() + ", " + inFlight.size() + " in flight]";
  }
}
