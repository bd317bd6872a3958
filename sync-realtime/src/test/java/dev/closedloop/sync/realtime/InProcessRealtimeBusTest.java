package dev.closedloop.sync.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.time.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** What only the in-process bus promises; the shared cases are in sync-testkit's kit. */
class InProcessRealtimeBusTest {
  private final VirtualScheduler scheduler = new VirtualScheduler();
  /** Runs delivery on the calling thread, so these tests need no waiting. */
  private static final Executor DIRECT = Runnable::run;

  private InProcessRealtimeBusBuilder builder() {
    return InProcessRealtimeBus.builder().deliveryExecutor(DIRECT).ticker(scheduler.ticker()).clock(scheduler.ticker()).scheduler(scheduler);
  }

  private static ChangeDraft ev(String topic, int n) {
    return ChangeDraft.update(topic, "k", "{\"n\":" + n + "}", null);
  }

  @Test
  void theReplayLogIsBoundedByCount() {
    try (InProcessRealtimeBus bus = builder().maxEventsPerTopic(3).build()) {
      for (int i = 1; i <= 5; i++) {
        bus.publish(ev("t", i));
      }
      assertThat(bus.retainedCount("t")).isEqualTo(3);
      assertThat(bus.replay("t", 2).events()).extracting(ChangeEvent::position).containsExactly(3L, 4L, 5L);
      assertThat(bus.replay("t", 1).isGap()).isTrue();
    }
  }

  @Test
  void theReplayLogIsBoundedByBytesKeepingTheNewestEvent() {
    String big = "{\"b\":\"" + "x".repeat(1000) + "\"}";
    try (InProcessRealtimeBus bus = builder().maxBytesPerTopic(5_000).build()) {
      for (int i = 0; i < 10; i++) {
        bus.publish(ChangeDraft.insert("t", "k" + i, big));
      }
      assertThat(bus.retainedCount("t")).isEqualTo(2); // ~2.1 KB each
      bus.publish(ChangeDraft.insert("t", "huge", "{\"b\":\"" + "y".repeat(10_000) + "\"}"));
      assertThat(bus.retainedCount("t")).isEqualTo(1);
      assertThat(bus.replay("t", 10).events()).hasSize(1);
    }
  }

  @Test
  void theReplayLogIsBoundedByAgeOnTheTicker() {
    try (InProcessRealtimeBus bus = builder().maxAge(Duration.ofMinutes(10)).build()) {
      bus.publish(ev("t", 1));
      scheduler.ticker().advance(Duration.ofMinutes(6));
      bus.publish(ev("t", 2));
      scheduler.ticker().advance(Duration.ofMinutes(5)); // first is 11 min old, second 5
      assertThat(bus.replay("t", 0).isGap()).isTrue();
      assertThat(bus.replay("t", 1).events()).extracting(ChangeEvent::position).containsExactly(2L);
      assertThat(bus.retainedCount("t")).isEqualTo(1);
      scheduler.ticker().advance(Duration.ofMinutes(6));
      assertThat(bus.retainedCount("t")).isZero();
      assertThat(bus.replay("t", 2).isGap()).isFalse(); // at the head: nothing missed
    }
  }

  @Test
  void eventsAreStampedWithTheWallClock() {
    try (InProcessRealtimeBus bus = builder().build()) {
      scheduler.ticker().advance(Duration.ofSeconds(90));
      bus.publish(ev("t", 1));
      assertThat(bus.replay("t", 0).events().get(0).time()).isEqualTo(scheduler.ticker().instant());
    }
  }

  @Test
  void theLatestCacheEvictsTheLeastRecentlyChangedKey() {
    try (InProcessRealtimeBus bus = builder().maxLatestPerTopic(2).build()) {
      bus.publish(ChangeDraft.insert("t", "a", "1"));
      bus.publish(ChangeDraft.insert("t", "b", "2"));
      bus.publish(ChangeDraft.update("t", "a", "3", null));
      bus.publish(ChangeDraft.insert("t", "c", "4"));
      assertThat(bus.latest("t", "b")).isEmpty();
      assertThat(bus.latest("t", "a")).get().extracting(ChangeEvent::newData).isEqualTo("3");
      assertThat(bus.latest("t", "c")).isPresent();
    }
    try (InProcessRealtimeBus off = builder().maxLatestPerTopic(0).build()) {
      off.publish(ChangeDraft.insert("t", "a", "1"));
      assertThat(off.latest("t", "a")).isEmpty();
    }
  }

  @Test
  void aListenerThatFallsBehindItsQueueIsClosedWithOverflowAndOthersContinue() throws Exception {
    try (InProcessRealtimeBus bus = InProcessRealtimeBus.builder().subscriberQueueCapacity(8).deliveryThreads(2).build()) {
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch closed = new CountDownLatch(1);
      List<CloseReason> reasons = new CopyOnWriteArrayList<>();
      Subscription stuck = bus.subscribe(Set.of("t"), Cursor.EMPTY, new RealtimeListener() {
        @Override
        public void onEvent(ChangeEvent event) {
          entered.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }

        @Override
        public void onClosed(CloseReason reason) {
          reasons.add(reason);
          closed.countDown();
        }
      });
      java.util.concurrent.Semaphore otherGot = new java.util.concurrent.Semaphore(0);
      Subscription other = bus.subscribe(Set.of("t"), Cursor.EMPTY, e -> otherGot.release());
      bus.publish(ev("t", 0));
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(otherGot.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 1; i <= 20; i++) {
        bus.publish(ev("t", i)); // never blocks, although the listener is stuck
        assertThat(otherGot.tryAcquire(10, TimeUnit.SECONDS)).as("other got event %d", i).isTrue();
      }
      assertThat(other.isOpen()).isTrue();
      assertThat(stuck.closeReason()).isEqualTo(CloseReason.OVERFLOW);
      assertThat(bus.subscriptionCount()).isEqualTo(1);
      release.countDown();
      assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(reasons).containsExactly(CloseReason.OVERFLOW);
    }
  }

  @Test
  void awaitChangeCompletesOnAMatchingPublishAndTimesOutOnTheScheduler() throws Exception {
    try (InProcessRealtimeBus bus = builder().build()) {
      CompletableFuture<ChangeEvent> match = bus.awaitChange(e -> e.isCausedBy("mine"), Duration.ofSeconds(5));
      CompletableFuture<ChangeEvent> never = bus.awaitChange(e -> false, Duration.ofSeconds(5));
      CompletableFuture<ChangeEvent> broken = bus.awaitChange(e -> { throw new IllegalStateException("bad predicate"); }, Duration.ofSeconds(5));
      bus.publish(ev("t", 1));
      assertThat(match).isNotDone();
      bus.publish(ev("t", 2).withIdempotencyKey("mine"));
      assertThat(match.get().position()).isEqualTo(2);
      assertThatThrownBy(broken::get).hasCauseInstanceOf(IllegalStateException.class);
      assertThat(never).isNotDone();
      scheduler.advance(Duration.ofSeconds(5));
      assertThatThrownBy(never::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
      assertThat(scheduler.pendingCount()).isZero();
      CompletableFuture<ChangeEvent> pending = bus.awaitChange(e -> false, Duration.ofSeconds(5));
      bus.close();
      assertThatThrownBy(pending::get).hasCauseInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> bus.awaitChange(e -> true, Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void builderValidatesEagerlyAndRefusesConflicts() {
    assertThatThrownBy(() -> InProcessRealtimeBus.builder().maxEventsPerTopic(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InProcessRealtimeBus.builder().maxBytesPerTopic(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InProcessRealtimeBus.builder().maxAge(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InProcessRealtimeBus.builder().maxLatestPerTopic(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InProcessRealtimeBus.builder().subscriberQueueCapacity(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InProcessRealtimeBus.builder().deliveryThreads(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InProcessRealtimeBus.builder().clock(null)).isInstanceOf(NullPointerException.class).hasMessage("clock cannot be null");
    assertThatThrownBy(() -> InProcessRealtimeBus.builder().deliveryThreads(2).deliveryExecutor(DIRECT).build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closingTheBusStopsItsDeliveryThreads() throws Exception {
    InProcessRealtimeBus bus = InProcessRealtimeBus.builder().deliveryThreads(2).build();
    CountDownLatch got = new CountDownLatch(1);
    Thread[] deliverer = new Thread[1];
    CountDownLatch closed = new CountDownLatch(1);
    bus.subscribe(Set.of("t"), Cursor.EMPTY, new RealtimeListener() {
      @Override
      public void onEvent(ChangeEvent e) {
        deliverer[0] = Thread.currentThread();
        got.countDown();
      }

      @Override
      public void onClosed(CloseReason reason) {
        closed.countDown();
      }
    });
    bus.publish(ev("t", 1));
    assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(deliverer[0].getName()).startsWith("closedloop-realtime-").contains("-delivery-");
    bus.close();
    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    deliverer[0].join(10_000);
    assertThat(deliverer[0].isAlive()).isFalse();
  }
}
