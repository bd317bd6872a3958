package dev.closedloop.sync.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.time.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The in-process bus's delivery promises, tested directly: subscribe-and-resume without a gap
 * while publishers run, per-topic order under many publishers, overflow at the exact bound, a
 * close during delivery, and {@code awaitChange} on virtual time. Time is the bus's {@link
 * VirtualScheduler}; threads start off one latch and the counts are exact.
 */
class InProcessRealtimeBusDeliveryTest {
  private final VirtualScheduler scheduler = new VirtualScheduler();
  private final ArrayDeque<Runnable> parked = new ArrayDeque<>();

  /** A bus on virtual time whose deliveries wait in {@link #parked} until the test runs them. */
  private InProcessRealtimeBus parkedBus(int queueCapacity) {
    return InProcessRealtimeBus.builder().deliveryExecutor(parked::add).subscriberQueueCapacity(queueCapacity)
        .ticker(scheduler.ticker()).clock(scheduler.ticker()).scheduler(scheduler).build();
  }

  private void runAll() {
    Runnable r;
    while ((r = parked.pollFirst()) != null) {
      r.run();
    }
  }

  private static ChangeDraft ev(String topic, int n) {
    return ChangeDraft.update(topic, "k" + (n % 7), "{\"n\":" + n + "}", null);
  }

  /** Collects positions per topic and the close reason. */
  static class Positions implements RealtimeListener {
    final ConcurrentHashMap<String, List<Long>> byTopic = new ConcurrentHashMap<>();
    final List<String> resets = new CopyOnWriteArrayList<>();
    volatile Cursor start;
    volatile CloseReason closed;
    final CountDownLatch closedLatch = new CountDownLatch(1);

    @Override
    public void onSubscribed(Cursor start) {
      this.start = start;
    }

    @Override
    public void onEvent(ChangeEvent event) {
      byTopic.computeIfAbsent(event.topic(), t -> new CopyOnWriteArrayList<>()).add(event.position());
    }

    @Override
    public void onReset(String topic, long head, String reason) {
      resets.add(topic);
    }

    @Override
    public void onClosed(CloseReason reason) {
      closed = reason;
      closedLatch.countDown();
    }

    List<Long> of(String topic) {
      return byTopic.getOrDefault(topic, List.of());
    }
  }

  private static void assertContiguous(List<Long> positions, long after, long through, String what) {
    assertThat(positions).as("%s: count", what).hasSize((int) (through - after));
    for (int i = 0; i < positions.size(); i++) {
      assertThat(positions.get(i)).as("%s: #%d", what, i).isEqualTo(after + 1 + i);
    }
  }

  @Test
  void subscribersJoiningWhilePublishersRunHearEveryEventAfterTheirStartOnceAndInOrder() throws Exception {
    int publishers = 4;
    int perPublisher = 500;
    int subscribers = 8;
    try (InProcessRealtimeBus bus = InProcessRealtimeBus.builder().deliveryThreads(2)
        .subscriberQueueCapacity(publishers * perPublisher + 10).build()) {
      for (int i = 0; i < 50; i++) {
        bus.publish(ev("t", i)); // a history to resume into
      }
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(publishers + subscribers);
      List<Positions> listeners = new CopyOnWriteArrayList<>();
      List<Subscription> subs = new CopyOnWriteArrayList<>();
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
          done.add(pool.submit(() -> {
            go.await();
            for (int i = 0; i < perPublisher; i++) {
              bus.publish(ev("t", i));
            }
            return null;
          }));
        }
        for (int s = 0; s < subscribers; s++) {
          Cursor from = s % 2 == 0 ? Cursor.EMPTY : Cursor.of("t", 5L * s); // half resume from the log (all within the history)
          done.add(pool.submit(() -> {
            go.await();
            Positions l = new Positions();
            listeners.add(l);
            subs.add(bus.subscribe(Set.of("t"), from, l));
            return null;
          }));
        }
        go.countDown();
        for (Future<?> f : done) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      long head = bus.head("t");
      assertThat(head).isEqualTo(50 + publishers * perPublisher);
      for (Positions l : listeners) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (l.start == null || l.of("t").size() < head - l.start.position("t").orElseThrow()) {
          assertThat(System.nanoTime() - deadline).as("delivery within 30 s").isNegative();
          Thread.onSpinWait();
        }
      }
      for (Positions l : listeners) {
        long start = l.start.position("t").orElseThrow();
        assertContiguous(l.of("t"), start, head, "subscriber from " + start);
        assertThat(l.resets).isEmpty();
      }
      assertThat(bus.subscriptionCount()).isEqualTo(subscribers);
    }
  }

  @Test
  void manyPublishersOnOneTopicGetDistinctConsecutivePositions() throws Exception {
    int threads = 8;
    int each = 1_000;
    try (InProcessRealtimeBus bus = parkedBus(threads * each)) {
      Positions l = new Positions();
      bus.subscribe(Set.of("t"), Cursor.EMPTY, l);
      Set<Long> returned = ConcurrentHashMap.newKeySet();
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          done.add(pool.submit(() -> {
            go.await();
            for (int i = 0; i < each; i++) {
              returned.add(bus.publish(ev("t", i)));
            }
            return null;
          }));
        }
        go.countDown();
        for (Future<?> f : done) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      runAll();

      assertThat(returned).hasSize(threads * each);
      assertThat(bus.publishedCount()).isEqualTo(threads * each);
      assertContiguous(l.of("t"), 0, threads * each, "delivered");
    }
  }

  @Test
  void aResumeFromTheLogIsFollowedByTheLiveEventsWithNoGapAndNoRepeat() {
    try (InProcessRealtimeBus bus = parkedBus(100)) {
      for (int i = 1; i <= 10; i++) {
        bus.publish(ev("t", i));
      }
      Positions l = new Positions();
      Subscription s = bus.subscribe(Set.of("t"), Cursor.of("t", 4), l);
      bus.publish(ev("t", 11)); // live, queued behind the replay
      runAll();

      assertThat(s.start()).isEqualTo(Cursor.of("t", 4));
      assertContiguous(l.of("t"), 4, 11, "replay then live");
    }
  }

  @Test
  void aResumeFromBeyondTheAgeBoundIsAResetOnVirtualTime() {
    try (InProcessRealtimeBus bus = InProcessRealtimeBus.builder().deliveryExecutor(parked::add)
        .maxAge(Duration.ofMinutes(1)).ticker(scheduler.ticker()).clock(scheduler.ticker()).scheduler(scheduler)
        .build()) {
      bus.publish(ev("t", 1));
      bus.publish(ev("t", 2));
      scheduler.advance(Duration.ofSeconds(59));
      bus.publish(ev("t", 3));
      scheduler.advance(Duration.ofSeconds(2)); // 1 and 2 are now 61 s old, 3 is 2 s old

      Positions fromOne = new Positions();
      Positions fromTwo = new Positions();
      bus.subscribe(Set.of("t"), Cursor.of("t", 1), fromOne);
      bus.subscribe(Set.of("t"), Cursor.of("t", 2), fromTwo);
      runAll();

      assertThat(fromOne.resets).containsExactly("t"); // position 2 was evicted: 1 cannot resume
      assertThat(fromOne.of("t")).isEmpty();
      assertThat(fromTwo.resets).isEmpty();
      assertThat(fromTwo.of("t")).containsExactly(3L);
    }
  }

  @Test
  void aSubscriberFallingBehindByOneMoreThanItsQueueEndsWithOverflowAndTheOthersHearEverything() {
    try (InProcessRealtimeBus bus = parkedBus(3)) {
      Positions slow = new Positions();
      Positions keeping = new Positions();
      Subscription s = bus.subscribe(Set.of("t"), Cursor.EMPTY, slow);
      Subscription k = bus.subscribe(Set.of("t"), Cursor.EMPTY, keeping);
      runAll();
      for (int i = 1; i <= 3; i++) {
        bus.publish(ev("t", i));
      }
      assertThat(s.isOpen()).isTrue(); // exactly at the bound
      // deliver to the keeping one only: run its turn, leave the slow one's parked
      Runnable slowTurn = parked.pollFirst();
      parked.pollFirst().run();
      bus.publish(ev("t", 4));
      assertThat(s.closeReason()).isEqualTo(CloseReason.OVERFLOW);
      assertThat(k.isOpen()).isTrue();
      slowTurn.run();
      runAll();

      assertThat(slow.of("t")).isEmpty();
      assertThat(slow.closed).isEqualTo(CloseReason.OVERFLOW);
      assertContiguous(keeping.of("t"), 0, 4, "keeping");
      assertThat(bus.subscriptionCount()).isEqualTo(1);
    }
  }

  @Test
  void closingTheBusWhileAListenerIsBlockedInDeliveryFinishesTheQueueThenSaysBusClosed() throws Exception {
    InProcessRealtimeBus bus = InProcessRealtimeBus.builder().deliveryThreads(1).subscriberQueueCapacity(100).build();
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Positions l = new Positions() {
      @Override
      public void onEvent(ChangeEvent event) {
        super.onEvent(event);
        if (event.position() == 1) {
          inside.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
    bus.subscribe(Set.of("t"), Cursor.EMPTY, l);
    for (int i = 1; i <= 5; i++) {
      bus.publish(ev("t", i));
    }
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<ChangeEvent> waiting = bus.awaitChange(e -> false, Duration.ofHours(1));

    bus.close(); // returns although the listener is blocked

    assertThat(bus.isClosed()).isTrue();
    assertThatThrownBy(() -> bus.publish(ev("t", 6))).isInstanceOf(IllegalStateException.class)
        .hasMessage("realtime bus is closed");
    assertThatThrownBy(waiting::get).hasCauseInstanceOf(IllegalStateException.class);
    assertThat(l.closed).isNull();
    release.countDown();
    assertThat(l.closedLatch.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(l.closed).isEqualTo(CloseReason.BUS_CLOSED);
    assertContiguous(l.of("t"), 0, 5, "delivered before BUS_CLOSED");
  }

  @Test
  void aWaiterRegisteredFromEachOfManyThreadsIsCompletedByOneMatchingPublishExactlyOnce() throws Exception {
    int threads = 16;
    try (InProcessRealtimeBus bus = parkedBus(10)) {
      List<CompletableFuture<ChangeEvent>> futures = new CopyOnWriteArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int n = t;
          done.add(pool.submit(() -> {
            go.await();
            futures.add(bus.awaitChange(e -> e.isCausedBy(n % 2 == 0 ? "even" : "odd"), Duration.ofSeconds(5)));
            return null;
          }));
        }
        go.countDown();
        for (Future<?> f : done) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      bus.publish(ChangeDraft.update("t", "k", "{}", null).withIdempotencyKey("even"));

      assertThat(futures).hasSize(threads);
      assertThat(futures.stream().filter(CompletableFuture::isDone).count()).isEqualTo(threads / 2);
      scheduler.advance(Duration.ofMillis(4_999));
      assertThat(futures.stream().filter(CompletableFuture::isDone).count()).isEqualTo(threads / 2);
      scheduler.advance(Duration.ofMillis(1));
      AtomicInteger timedOut = new AtomicInteger();
      for (CompletableFuture<ChangeEvent> f : futures) {
        try {
          assertThat(f.get().position()).isEqualTo(1);
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(TimeoutException.class);
          timedOut.incrementAndGet();
        }
      }
      assertThat(timedOut.get()).isEqualTo(threads / 2);
      assertThat(scheduler.pendingCount()).isZero(); // every timer was cancelled or ran
    }
  }

  @Test
  void theLatestStateFollowsInsertsUpdatesAndDeletesPerKey() {
    try (InProcessRealtimeBus bus = parkedBus(10)) {
      bus.publish(ChangeDraft.insert("t", "a", "{\"v\":1}"));
      bus.publish(ChangeDraft.update("t", "a", "{\"v\":2}", null));
      bus.publish(ChangeDraft.insert("t", "b", "{\"v\":3}"));
      bus.publish(ChangeDraft.delete("t", "b", null));
      bus.publish(ChangeDraft.broadcast("t", "{}"));

      assertThat(bus.latest("t", "a")).map(ChangeEvent::position).contains(2L);
      assertThat(bus.latest("t", "b")).isEmpty();
      assertThat(bus.latest("other", "a")).isEmpty();
    }
  }
}
