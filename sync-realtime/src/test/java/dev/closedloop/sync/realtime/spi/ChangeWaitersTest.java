package dev.closedloop.sync.realtime.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.time.VirtualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ChangeWaitersTest {
  private final VirtualScheduler scheduler = new VirtualScheduler();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ChangeWaiters waiters = new ChangeWaiters(scheduler, closed::get, "owner is closed",
      () -> new CancellationException("owner closed"));

  private static ChangeEvent event(long position, String key) {
    return ChangeEvent.of(ChangeDraft.insert("t", key, "{}"), position, Instant.EPOCH);
  }

  @Test
  void theFirstMatchingEventCompletesTheFutureAndLaterOnesAreIgnored() {
    CompletableFuture<ChangeEvent> f = waiters.await(e -> e.key().equals("b"), Duration.ofSeconds(1));
    waiters.offer(event(1, "a"));
    assertThat(f).isNotDone();
    waiters.offer(event(2, "b"));
    waiters.offer(event(3, "b"));
    assertThat(f.join().position()).isEqualTo(2);
    assertThat(waiters.pendingCount()).isZero();
    assertThat(scheduler.pendingCount()).isZero(); // the timer went with it
  }

  @Test
  void aWaiterTimesOutExactlyAtItsTimeoutOnTheScheduler() {
    CompletableFuture<ChangeEvent> f = waiters.await(e -> false, Duration.ofMillis(500));
    scheduler.advance(Duration.ofMillis(499));
    assertThat(f).isNotDone();
    scheduler.advance(Duration.ofMillis(1));
    assertThatThrownBy(f::join).hasCauseInstanceOf(TimeoutException.class)
        .hasMessageContaining("no matching change within PT0.5S");
    assertThat(waiters.pendingCount()).isZero();
  }

  @Test
  void aThrowingPredicateFailsItsOwnFutureOnly() {
    CompletableFuture<ChangeEvent> broken = waiters.await(e -> {
      throw new IllegalStateException("bad predicate");
    }, Duration.ofSeconds(1));
    CompletableFuture<ChangeEvent> fine = waiters.await(e -> true, Duration.ofSeconds(1));
    waiters.offer(event(1, "a"));
    assertThatThrownBy(broken::join).hasCauseInstanceOf(IllegalStateException.class);
    assertThat(fine.join().position()).isEqualTo(1);
  }

  @Test
  void cancellingAFutureUnregistersItAndItsTimer() {
    CompletableFuture<ChangeEvent> f = waiters.await(e -> true, Duration.ofSeconds(1));
    f.cancel(false);
    assertThat(waiters.pendingCount()).isZero();
    assertThat(scheduler.pendingCount()).isZero();
  }

  @Test
  void closingFailsWhatIsPendingAndRefusesNewWaiters() {
    CompletableFuture<ChangeEvent> f = waiters.await(e -> false, Duration.ofSeconds(1));
    closed.set(true);
    waiters.closeAll();
    assertThatThrownBy(f::join).isInstanceOf(CancellationException.class).hasMessage("owner closed");
    assertThatThrownBy(() -> waiters.await(e -> true, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class).hasMessage("owner is closed");
  }

  @Test
  void badArgumentsAreNamed() {
    assertThatThrownBy(() -> waiters.await(null, Duration.ofSeconds(1))).hasMessage("predicate cannot be null");
    assertThatThrownBy(() -> waiters.await(e -> true, null)).hasMessage("timeout cannot be null");
    assertThatThrownBy(() -> waiters.await(e -> true, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must not be negative: PT-1S");
  }

  @Test
  void aCloseRacingManyRegistrationsLeavesNoFuturePending() throws Exception {
    int threads = 8;
    int each = 200;
    List<CompletableFuture<ChangeEvent>> futures = new CopyOnWriteArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < each; i++) {
            try {
              futures.add(waiters.await(e -> false, Duration.ofHours(1)));
            } catch (IllegalStateException refused) {
              // registered after the close: refused, nothing pending
            }
          }
          return null;
        }));
      }
      done.add(pool.submit(() -> {
        go.await();
        closed.set(true); // the owner marks itself closed, then fails what is pending
        waiters.closeAll();
        return null;
      }));
      go.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (CompletableFuture<ChangeEvent> f : futures) {
      assertThat(f).isCompletedExceptionally();
    }
    assertThat(waiters.pendingCount()).isZero();
    assertThat(scheduler.pendingCount()).isZero();
  }
}
