package dev.closedloop.sync.breaker;

import static dev.closedloop.sync.breaker.Stripes.FAST_FAILURES;
import static dev.closedloop.sync.breaker.Stripes.FAST_SUCCESSES;
import static dev.closedloop.sync.breaker.Stripes.IGNORED;
import static dev.closedloop.sync.breaker.Stripes.REJECTED;
import static dev.closedloop.sync.breaker.Stripes.SLOW_FAILURES;
import static dev.closedloop.sync.breaker.Stripes.SLOW_SUCCESSES;

import dev.closedloop.sync.spi.Listeners;
import dev.closedloop.sync.time.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breaker engine.
 *
 * <p>Why one class of this size: every transition is one CAS on one immutable phase; the
 * windows, the half-open trials and the listeners' events are read and replaced together, and
 * splitting them across classes would split that CAS.
 *
 * <p>Concurrency: everything that changes on a transition (state, generation, the CLOSED window,
 * the HALF_OPEN trials, when OPEN admits a trial, how many times in a row it opened) lives in one
 * immutable {@link Phase}, held in a volatile field and replaced by a single CAS. The next phase
 * is built before the CAS (allocation and reads only); the winner alone publishes the event, after
 * it; a loser re-reads and acts on the phase that won. A permit holds the generation of the phase
 * that granted it, so a result is recorded only into the phase it was granted in, and a result
 * racing a transition lands in the old phase (which is discarded) or is ignored. The one benign
 * race left: a success whose thread read the phase, was preempted across two transitions and
 * then added to its stripe row may be drained into the next CLOSED window; it was a real success.
 *
 * <p>Permit layout: bits 23..62 generation (40 bits), bit 22 trial flag, bits 12..21 trial slot,
 * bits 0..11 lease sequence.
 *
 * <p>This class is threadsafe.
 */
final class DefaultCircuitBreaker implements CircuitBreaker {
  private static final Logger log = LoggerFactory.getLogger(CircuitBreaker.class);

  private static final int GEN_SHIFT = 23;
  private static final long GEN_MASK = (1L << 40) - 1;
  private static final long TRIAL = 1L << 22;
  private static final long LEASE_MASK = TRIAL - 1;
  private static final long NOT_RECORDABLE = -2L;

  private static final VarHandle PHASE;

  static {
    try {
      PHASE = MethodHandles.lookup().findVarHandle(DefaultCircuitBreaker.class, "phase", Phase.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String name;
  private final boolean timeBased;
  private final int windowSize;
  private final int minimumCalls;
  private final float failureRateThreshold;
  private final float slowCallRateThreshold;
  private final boolean slowOn;
  private final long slowNanos;
  private final long waitNanos;
  private final double waitMultiplier;
  private final long maxWaitNanos;
  private final int trialCount;
  private final long probeTimeoutNanos;
  private final Predicate<Throwable> recordFailure;
  private final Predicate<Throwable> ignore;
  private final Ticker ticker;
  private final Listeners<CircuitBreakerListener> listeners;

  /** Cumulative counters, one padded row per stripe; see {@link Stripes}. */
  private final long[] rows = Stripes.newRows();

  private volatile Phase phase;

  DefaultCircuitBreaker(CircuitBreakerBuilder b) {
    this.name = b.name;
    this.timeBased = b.timeBased;
    this.windowSize = b.windowSize;
    this.minimumCalls = b.effectiveMinimumNumberOfCalls();
    this.failureRateThreshold = b.failureRateThreshold;
    this.slowCallRateThreshold = b.slowCallRateThreshold;
    this.slowOn = b.slowCallDurationThreshold != null;
    this.slowNanos = slowOn ? saturatedNanos(b.slowCallDurationThreshold) : Long.MAX_VALUE;
    this.waitNanos = saturatedNanos(b.waitInOpen);
    this.waitMultiplier = b.waitMultiplier;
    this.maxWaitNanos = saturatedNanos(b.maxWaitInOpen);
    this.trialCount = b.halfOpenTrials;
    this.probeTimeoutNanos = saturatedNanos(b.probeTimeout);
    this.recordFailure = b.recordFailure;
    this.ignore = b.ignore;
    this.ticker = b.ticker;
    this.listeners = Listeners.of(b.listeners, log, "Circuit breaker '" + b.name + "'");
    this.phase = Phase.closed(1, newWindow());
  }

  // ------------------------------------------------------------------ permits

  @Override
  public long acquirePermission() {
    long permit = phase.permit;
    if (permit >= 0) {
      return permit;
    }
    return acquireSlow(true);
  }

  @Override
  public long tryAcquirePermission() {
    long permit = phase.permit;
    if (permit >= 0) {
      return permit;
    }
    return acquireSlow(false);
  }

  private long acquireSlow(boolean throwing) {
    while (true) {
      Phase p = phase;
      switch (p.state) {
        case CLOSED:
        case DISABLED:
          return p.permit;
        case FORCED_OPEN:
          return reject(p, Long.MAX_VALUE, throwing);
        case OPEN:
          {
            long until = p.trialAt - ticker.read();
            if (until > 0) {
              return reject(p, until, throwing);
            }
            Trials trials = new Trials(trialCount);
            if (transition(p, Phase.halfOpen(p.generation + 1, trials, p.opens))) {
              publishTransition(State.OPEN, State.HALF_OPEN);
            }
            continue; // take a trial (or whatever the winning phase allows)
          }
        case HALF_OPEN:
          {
            Trials trials = Objects.requireNonNull(p.trials);
            long lease = trials.acquire(ticker.read(), probeTimeoutNanos);
            if (lease < 0) {
              long untilFree = -1 - lease;
              return reject(p, untilFree == Long.MAX_VALUE - 1 ? 0 : untilFree, throwing);
            }
            if ((lease & Trials.RECLAIMED) != 0) {
              publishReclaimed();
            }
            if (phase != p) {
              continue; // the episode ended meanwhile; the lease died with it
            }
            return p.base | TRIAL | (lease & LEASE_MASK);
          }
      }
    }
  }

  private long reject(Phase p, long untilTrialNanos, boolean throwing) {
    Stripes.add(rows, REJECTED, 1L);
    listeners.fire("onCallRejected", CircuitBreakerListener::onCallRejected, name, p.state);
    if (!throwing) {
      return NO_PERMIT;
    }
    throw new CircuitOpenException(name, untilTrialNanos);
  }

  // ------------------------------------------------------------------ results

  @Override
  public void onSuccess(long permit, long durationNanos) {
    Phase p = phase;
    if (permit == p.recordable && durationNanos < slowNanos) {
      // The hot path: one atomic add on this thread's own padded row; nothing shared, no clock.
      int row = Stripes.row();
      Stripes.addAt(rows, row + FAST_SUCCESSES, 1L);
      Window w = p.window;
      if (w != null) {
        w.onFastSuccess(row);
      }
      return;
    }
    onSuccessSlow(p, permit, durationNanos);
  }

  private void onSuccessSlow(Phase p, long permit, long durationNanos) {
    boolean slow = slowOn && durationNanos >= slowNanos;
    if (permit == p.recordable) {
      Window w = Objects.requireNonNull(p.window);
      if (!slow) {
        int row = Stripes.row();
        Stripes.addAt(rows, row + FAST_SUCCESSES, 1L);
        w.onFastSuccess(row);
        return;
      }
      Stripes.add(rows, SLOW_SUCCESSES, 1L);
      long now = ticker.read();
      judge(p, w.record(Window.SUCCESS | Window.SLOW, now), now);
      return;
    }
    if (!isTrialOf(p, permit)) {
      return; // stale generation, disabled, or not a permit of ours
    }
    Trials trials = Objects.requireNonNull(p.trials);
    int slot = slot(permit);
    int seq = seq(permit);
    if (slow) {
      // A slow trial is a failed trial: the downstream is not healthy yet.
      if (trials.end(slot, seq, Trials.FAILED)) {
        Stripes.add(rows, SLOW_SUCCESSES, 1L);
        reopen(p);
      }
      return;
    }
    if (trials.end(slot, seq, Trials.SUCCEEDED)) {
      Stripes.add(rows, FAST_SUCCESSES, 1L);
      if (trials.succeeded() >= trials.size()
          && transition(p, Phase.closed(p.generation + 1, newWindow()))) {
        publishTransition(State.HALF_OPEN, State.CLOSED);
      }
    }
  }

  @Override
  public void onFailure(long permit, long durationNanos, Throwable failure) {
    Objects.requireNonNull(failure, "failure cannot be null");
    Phase p = phase;
    boolean closed = permit == p.recordable;
    if (!closed && !isTrialOf(p, permit)) {
      return; // stale generation, disabled, or not a permit of ours
    }
    if (ignored(failure)) {
      if (closed) {
        Stripes.add(rows, IGNORED, 1L);
      } else if (Objects.requireNonNull(p.trials).end(slot(permit), seq(permit), Trials.FREE)) {
        Stripes.add(rows, IGNORED, 1L);
      }
      return;
    }
    if (!recorded(failure)) {
      onSuccess(permit, durationNanos);
      return;
    }
    boolean slow = slowOn && durationNanos >= slowNanos;
    if (closed) {
      Stripes.add(rows, slow ? SLOW_FAILURES : FAST_FAILURES, 1L);
      long now = ticker.read();
      int code = Window.SUCCESS | Window.FAILED | (slow ? Window.SLOW : 0);
      judge(p, Objects.requireNonNull(p.window).record(code, now), now);
    } else if (Objects.requireNonNull(p.trials).end(slot(permit), seq(permit), Trials.FAILED)) {
      Stripes.add(rows, slow ? SLOW_FAILURES : FAST_FAILURES, 1L);
      reopen(p);
    }
  }

  @Override
  public void release(long permit) {
    Phase p = phase;
    if (isTrialOf(p, permit)) {
      Objects.requireNonNull(p.trials).end(slot(permit), seq(permit), Trials.FREE);
    }
  }

  private boolean ignored(Throwable failure) {
    try {
      return ignore.test(failure);
    } catch (RuntimeException e) {
      log.warn("Circuit breaker '{}': ignore predicate failed; not ignoring {}", name, failure, e);
      return false;
    }
  }

  private boolean recorded(Throwable failure) {
    try {
      return recordFailure.test(failure);
    } catch (RuntimeException e) {
      log.warn("Circuit breaker '{}': recordFailure predicate failed; recording {}", name, failure, e);
      return true;
    }
  }

  private boolean isTrialOf(Phase p, long permit) {
    return p.state == State.HALF_OPEN && (permit & ~LEASE_MASK) == (p.base | TRIAL);
  }

  private static int slot(long permit) {
    return (int) ((permit & LEASE_MASK) >>> Trials.SEQ_BITS);
  }

  private static int seq(long permit) {
    return (int) (permit & Trials.SEQ_MASK);
  }

  // ------------------------------------------------------------------ transitions

  /** Opens the breaker if {@code counts} reach a threshold and {@code p} is still current. */
  private void judge(Phase p, WindowCounts counts, long now) {
    if (!exceeds(counts)) {
      return;
    }
    if (transition(p, Phase.open(p.generation + 1, saturatedAdd(now, waitNanos(1)), 1, counts))) {
      publishTransition(State.CLOSED, State.OPEN);
    }
  }

  boolean exceeds(WindowCounts c) {
    if (c.calls() < minimumCalls || c.calls() == 0) {
      return false;
    }
    if (c.failures() * 100.0 >= (double) failureRateThreshold * c.calls()) {
      return true;
    }
    return slowOn && c.slow() * 100.0 >= (double) slowCallRateThreshold * c.calls();
  }

  private void reopen(Phase p) {
    int opens = p.opens + 1;
    long trialAt = saturatedAdd(ticker.read(), waitNanos(opens));
    if (transition(p, Phase.open(p.generation + 1, trialAt, opens, WindowCounts.EMPTY))) {
      publishTransition(State.HALF_OPEN, State.OPEN);
    }
  }

  /** The wait in OPEN after the {@code opens}-th consecutive opening (1-based). */
  long waitNanos(int opens) {
    if (waitMultiplier == 1.0 || opens <= 1) {
      return Math.min(waitNanos, maxWaitNanos);
    }
    double wait = waitNanos * Math.pow(waitMultiplier, opens - 1);
    return wait >= maxWaitNanos ? maxWaitNanos : (long) wait;
  }

  @Override
  public void forceOpen() {
    moveTo(State.FORCED_OPEN);
  }

  @Override
  public void disable() {
    moveTo(State.DISABLED);
  }

  @Override
  public void reset() {
    moveTo(State.CLOSED);
  }

  private void moveTo(State target) {
    while (true) {
      Phase p = phase;
      if (p.state == target && target != State.CLOSED) {
        return;
      }
      long gen = p.generation + 1;
      Phase next =
          target == State.CLOSED
              ? Phase.closed(gen, newWindow())
              : target == State.FORCED_OPEN ? Phase.forcedOpen(gen) : Phase.disabled(gen);
      if (transition(p, next)) {
        if (p.state != target) {
          publishTransition(p.state, target);
        }
        return;
      }
    }
  }

  private boolean transition(Phase from, Phase to) {
    return PHASE.compareAndSet(this, from, to);
  }

  private Window newWindow() {
    return timeBased ? new TimeWindow(windowSize, ticker, ticker.read()) : new CountWindow(windowSize, rows);
  }

  private void publishTransition(State from, State to) {
    log.debug("Circuit breaker '{}' moved from {} to {}", name, from, to);
    if (!listeners.isEmpty()) {
      listeners.fire("onStateTransition", l -> l.onStateTransition(name, from, to));
    }
  }

  private void publishReclaimed() {
    listeners.fire("onTrialReclaimed", CircuitBreakerListener::onTrialReclaimed, name);
  }

  // ------------------------------------------------------------------ queries

  @Override
  public String name() {
    return name;
  }

  @Override
  public State state() {
    return phase.state;
  }

  @Override
  public boolean detectsSlowCalls() {
    return slowOn;
  }

  @Override
  public CircuitBreakerMetrics metrics() {
    Phase p = phase;
    WindowCounts c;
    boolean judged = false;
    switch (p.state) {
      case CLOSED:
        {
          Window w = Objects.requireNonNull(p.window);
          c = w.counts(w.timed() ? ticker.read() : 0);
          judged = true;
          break;
        }
      case OPEN:
        c = Objects.requireNonNull(p.tripped);
        judged = c.calls() > 0;
        break;
      case HALF_OPEN:
        c = new WindowCounts(Objects.requireNonNull(p.trials).succeeded(), 0, 0);
        break;
      default:
        c = WindowCounts.EMPTY;
    }
    long fastOk = Stripes.sum(rows, FAST_SUCCESSES);
    long slowOk = Stripes.sum(rows, SLOW_SUCCESSES);
    long fastFailed = Stripes.sum(rows, FAST_FAILURES);
    long slowFailed = Stripes.sum(rows, SLOW_FAILURES);
    return new CircuitBreakerMetrics(
        p.state,
        judged ? c.failureRate(minimumCalls) : -1f,
        judged && slowOn ? c.slowCallRate(minimumCalls) : -1f,
        c.calls(),
        c.failures(),
        c.slow(),
        c.calls() - c.failures(),
        Stripes.sum(rows, REJECTED),
        fastOk + slowOk,
        fastFailed + slowFailed,
        slowOk + slowFailed,
        Stripes.sum(rows, IGNORED));
  }

  // ------------------------------------------------------------------ execution

  @Override
  public <T> T call(Callable<T> callable) throws Exception {
    Objects.requireNonNull(callable, "callable cannot be null");
    long permit = acquirePermission();
    long start = slowOn ? ticker.read() : 0;
    T result;
    try {
      result = callable.call();
    } catch (Throwable t) {
      onFailure(permit, elapsedSince(start), t);
      throw t;
    }
    onSuccess(permit, elapsedSince(start));
    return result;
  }

  @Override
  public <T> CompletableFuture<T> callAsync(Supplier<? extends CompletionStage<T>> supplier) {
    Objects.requireNonNull(supplier, "supplier cannot be null");
    long permit;
    try {
      permit = acquirePermission();
    } catch (CircuitOpenException e) {
      return CompletableFuture.failedFuture(e);
    }
    long start = slowOn ? ticker.read() : 0;
    CompletionStage<T> stage;
    try {
      stage = supplier.get();
    } catch (Throwable t) {
      onFailure(permit, elapsedSince(start), t);
      return CompletableFuture.failedFuture(t);
    }
    if (stage == null) {
      release(permit);
      return CompletableFuture.failedFuture(new NullPointerException("supplier returned null"));
    }
    AsyncCall<T> call = new AsyncCall<>(this, permit, start, stage);
    stage.whenComplete(call);
    return call;
  }

  long elapsedSince(long start) {
    return slowOn ? ticker.read() - start : 0;
  }

  /**
   * The future {@link #callAsync} returns. Whichever comes first, the stage's completion or the
   * caller's completing or cancelling this future, reports the permit, once.
   */
  private static final class AsyncCall<T> extends CompletableFuture<T>
      implements BiConsumer<T, Throwable> {
    private static final VarHandle REPORTED;

    static {
      try {
        REPORTED = MethodHandles.lookup().findVarHandle(AsyncCall.class, "reported", boolean.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final DefaultCircuitBreaker breaker;
    private final long permit;
    private final long start;
    private final CompletionStage<T> stage;
    @SuppressWarnings("unused") // written through REPORTED
    private volatile boolean reported;

    AsyncCall(DefaultCircuitBreaker breaker, long permit, long start, CompletionStage<T> stage) {
      this.breaker = breaker;
      this.permit = permit;
      this.start = start;
      this.stage = stage;
    }

    private boolean claim() {
      return REPORTED.compareAndSet(this, false, true);
    }

    @Override
    public void accept(@Nullable T result, @Nullable Throwable failure) {
      if (!claim()) {
        return; // the caller completed or cancelled this future first; the permit is reported
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause()
          : failure;
      if (cause == null) {
        breaker.onSuccess(permit, breaker.elapsedSince(start));
        super.complete(result);
      } else if (cause instanceof CancellationException) {
        breaker.release(permit);
        super.completeExceptionally(cause);
      } else {
        breaker.onFailure(permit, breaker.elapsedSince(start), cause);
        super.completeExceptionally(cause);
      }
    }

    @Override
    public boolean complete(T value) {
      boolean done = super.complete(value);
      if (done && claim()) {
        breaker.release(permit); // a value supplied from outside judges nothing about the call
      }
      return done;
    }

    @Override
    public boolean completeExceptionally(Throwable ex) {
      boolean done = super.completeExceptionally(ex);
      if (done && claim()) {
        if (ex instanceof CancellationException) {
          breaker.release(permit);
        } else {
          breaker.onFailure(permit, breaker.elapsedSince(start), ex); // e.g. orTimeout
        }
      }
      return done;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled && claim()) {
        breaker.release(permit);
        try {
          stage.toCompletableFuture().cancel(mayInterruptIfRunning);
        } catch (UnsupportedOperationException e) {
          // the stage cannot be cancelled from here; its result will be ignored
        }
      }
      return cancelled;
    }
  }

  // ------------------------------------------------------------------ phase

  /** Everything a transition changes, replaced as one by a CAS. Immutable. */
  static final class Phase {
    final State state;
    final long generation;
    /** The generation shifted into permit position. */
    final long base;
    /** What {@link #acquirePermission()} returns at once: a permit, or -1 to take the slow path. */
    final long permit;
    /** The permit whose results are recorded in the window: CLOSED only, else -2. */
    final long recordable;

    final @Nullable Window window;
    final @Nullable Trials trials;
    final long trialAt;
    final int opens;
    final @Nullable WindowCounts tripped;

    private Phase(
        State state,
        long generation,
        @Nullable Window window,
        @Nullable Trials trials,
        long trialAt,
        int opens,
        @Nullable WindowCounts tripped) {
      this.state = state;
      this.generation = generation;
      this.base = (generation & GEN_MASK) << GEN_SHIFT;
      this.permit = state == State.CLOSED || state == State.DISABLED ? base : -1L;
      this.recordable = state == State.CLOSED ? base : NOT_RECORDABLE;
      this.window = window;
      this.trials = trials;
      this.trialAt = trialAt;
      this.opens = opens;
      this.tripped = tripped;
    }

    static Phase closed(long gen, Window window) {
      return new Phase(State.CLOSED, gen, window, null, 0, 0, null);
    }

    static Phase open(long gen, long trialAt, int opens, WindowCounts tripped) {
      return new Phase(State.OPEN, gen, null, null, trialAt, opens, tripped);
    }

    static Phase halfOpen(long gen, Trials trials, int opens) {
      return new Phase(State.HALF_OPEN, gen, null, trials, 0, opens, null);
    }

    static Phase forcedOpen(long gen) {
      return new Phase(State.FORCED_OPEN, gen, null, null, 0, 0, null);
    }

    static Phase disabled(long gen) {
      return new Phase(State.DISABLED, gen, null, null, 0, 0, null);
    }
  }

  private static long saturatedNanos(@Nullable Duration d) {
    Objects.requireNonNull(d);
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  @Override
  public String toString() {
    return "CircuitBreaker[" + name + ", " + phase.state + "]";
  }
}
