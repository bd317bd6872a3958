package dev.closedloop.sync.retry;

import dev.closedloop.sync.time.VirtualScheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * A downstream that follows a script, one step per call (the last step repeats), callable both
 * blocking and asynchronously on the same virtual time, so that the sync and async paths can run
 * the same scenario. Time passes only through the {@link VirtualScheduler}.
 */
final class Scripted {

  /** What one call does. */
  interface Step {
    String blocking(Scripted downstream, int call) throws Exception;

    CompletableFuture<String> async(Scripted downstream, int call);
  }

  private final VirtualScheduler scheduler;
  private final List<Step> script;
  private int calls;
  final List<CompletableFuture<String>> issued = new ArrayList<>();

  Scripted(VirtualScheduler scheduler, Step... script) {
    this.scheduler = scheduler;
    this.script = Arrays.asList(script);
  }

  /** Returns how many times the downstream was called. */
  int calls() {
    return calls;
  }

  String callBlocking() throws Exception {
    int call = ++calls;
    return step(call).blocking(this, call);
  }

  CompletableFuture<String> callAsync() {
    int call = ++calls;
    CompletableFuture<String> f = step(call).async(this, call);
    issued.add(f);
    return f;
  }

  private Step step(int call) {
    return script.get(Math.min(call, script.size()) - 1);
  }

  static Step ok(String value) {
    return new Step() {
      @Override
      public String blocking(Scripted d, int call) {
        return value;
      }

      @Override
      public CompletableFuture<String> async(Scripted d, int call) {
        return CompletableFuture.completedFuture(value);
      }
    };
  }

  /** Fails with a new exception per call, made from the call number. */
  static Step fail(IntFunction<? extends Exception> failure) {
    return new Step() {
      @Override
      public String blocking(Scripted d, int call) throws Exception {
        throw failure.apply(call);
      }

      @Override
      public CompletableFuture<String> async(Scripted d, int call) {
        return CompletableFuture.failedFuture(failure.apply(call));
      }
    };
  }

  /** Fails with this very exception. */
  static Step fail(Exception failure) {
    return fail(call -> failure);
  }

  /** Fails with {@code IOException("boom <call>")}. */
  static Step boom() {
    return fail(call -> new IOException("boom " + call));
  }

  /**
   * Takes {@code duration} to answer {@code value}. Blocking: lets virtual time pass in steps
   * (running due tasks, such as an attempt-timeout watchdog) and throws InterruptedException as
   * soon as it is interrupted, like a blocking socket read. Async: completes its future after
   * {@code duration} on the scheduler.
   */
  static Step slow(Duration duration, String value) {
    return new Step() {
      @Override
      public String blocking(Scripted d, int call) throws InterruptedException {
        long end = d.scheduler.ticker().read() + duration.toNanos();
        while (true) {
          if (Thread.interrupted()) {
            throw new InterruptedException("slow call " + call + " interrupted");
          }
          long now = d.scheduler.ticker().read();
          if (now >= end) {
            return value;
          }
          Duration next = d.scheduler.nextDelay();
          long step = next == null ? end - now : Math.min(next.toNanos(), end - now);
          if (step == 0) {
            d.scheduler.runDue();
          } else {
            d.scheduler.advance(Duration.ofNanos(step));
          }
        }
      }

      @Override
      public CompletableFuture<String> async(Scripted d, int call) {
        CompletableFuture<String> f = new CompletableFuture<>();
        d.scheduler.schedule(() -> f.complete(value), duration);
        return f;
      }
    };
  }

  /** A failure that carries a server's Retry-After hint. */
  static final class Hinted extends IOException implements RetryAfterHint {
    private static final long serialVersionUID = 1L;
    private final Duration hint;

    Hinted(Duration hint) {
      super("503, retry after " + hint);
      this.hint = hint;
    }

    @Override
    public Optional<Duration> retryAfter() {
      return Optional.of(hint);
    }
  }
}
