package dev.closedloop.sync.realtime.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Subscription;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The fan-out's delivery on its own: order, fairness between members, overflow at the exact
 * bound, an end during delivery, and many offering threads. The executor is a queue the test runs
 * by hand, so every interleaving the assertions name is the one that ran; the concurrency case
 * uses a real pool and exact counts.
 */
class SubscriberQueuesDeliveryTest {
  private final ArrayDeque<Runnable> parked = new ArrayDeque<>();
  private final List<SubscriberQueues.Member> ended = new CopyOnWriteArrayList<>();

  private static ChangeEvent event(String topic, long position) {
    return ChangeEvent.of(ChangeDraft.broadcast(topic, null), position, Instant.EPOCH);
  }

  /** Runs one parked delivery turn; returns false if none was parked. */
  private boolean runOne() {
    Runnable r = parked.pollFirst();
    if (r == null) {
      return false;
    }
    r.run();
    return true;
  }

  private void runAll() {
    while (runOne()) {
      // next turn
    }
  }

  /** Records what a listener hears, as text. */
  static final class Heard implements RealtimeListener {
    final List<String> items = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(ChangeEvent event) {
      items.add(event.topic() + event.position());
    }

    @Override
    public void onClosed(CloseReason reason) {
      items.add("closed " + reason);
    }

    List<String> events() {
      return items.stream().filter(s -> !s.startsWith("closed")).toList();
    }
  }

  @Test
  void eachMemberHearsItsEventsInOfferOrderAndAtMost64PerTurnSoNoMemberStarvesAnother() {
    SubscriberQueues fanout = SubscriberQueues.withExecutor(1_000, parked::add, ended::add);
    Heard busy = new Heard();
    Heard quiet = new Heard();
    SubscriberQueues.Member a = fanout.open(Set.of("a"), busy);
    SubscriberQueues.Member b = fanout.open(Set.of("b"), quiet);
    a.start(Cursor.of("a", 0), Map.of(), List.of());
    b.start(Cursor.of("b", 0), Map.of(), List.of());
    runAll(); // the starts
    for (int i = 1; i <= 200; i++) {
      a.offer(event("a", i));
    }
    b.offer(event("b", 1));

    runOne(); // a's first turn
    assertThat(busy.events()).hasSize(64);
    runOne(); // b's turn comes before a's second
    assertThat(quiet.events()).containsExactly("b1");
    runAll();

    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 200; i++) {
      expected.add("a" + i);
    }
    assertThat(busy.events()).containsExactlyElementsOf(expected);
  }

  @Test
  void aQueueHoldsExactlyItsCapacityAndTheNextOfferEndsTheMemberWhileOthersKeepEverything() {
    SubscriberQueues fanout = SubscriberQueues.withExecutor(5, parked::add, ended::add);
    Heard slow = new Heard();
    Heard fine = new Heard();
    SubscriberQueues.Member s = fanout.open(Set.of("t"), slow);
    SubscriberQueues.Member f = fanout.open(Set.of("t"), fine);
    s.start(Cursor.of("t", 0), Map.of(), List.of());
    f.start(Cursor.of("t", 0), Map.of(), List.of());
    runAll();

    for (int i = 1; i <= 5; i++) {
      assertThat(s.offer(event("t", i))).as("offer %d", i).isTrue();
      assertThat(f.offer(event("t", i))).isTrue();
    }
    runOne(); // drains the first member's five; the other still holds five
    assertThat(f.offer(event("t", 6))).isFalse();
    assertThat(f.closeReason()).isEqualTo(CloseReason.OVERFLOW);
    assertThat(s.offer(event("t", 6))).isTrue();
    runAll();

    assertThat(slow.items).containsExactly("t1", "t2", "t3", "t4", "t5", "t6");
    assertThat(fine.items).containsExactly("closed OVERFLOW");
    assertThat(ended).containsExactly(f);
    assertThat(fanout.subscriptionCount()).isEqualTo(1);
  }

  @Test
  void aMemberClosedByItsOwnListenerDuringDeliveryHearsNothingAfterAndIsToldOnce() {
    SubscriberQueues fanout = SubscriberQueues.withExecutor(100, parked::add, ended::add);
    List<String> heard = new CopyOnWriteArrayList<>();
    Subscription[] self = new Subscription[1];
    SubscriberQueues.Member m = fanout.open(Set.of("t"), new RealtimeListener() {
      @Override
      public void onEvent(ChangeEvent event) {
        heard.add("t" + event.position());
        if (event.position() == 3) {
          self[0].close();
        }
      }

      @Override
      public void onClosed(CloseReason reason) {
        heard.add("closed " + reason);
      }
    });
    self[0] = m;
    m.start(Cursor.of("t", 0), Map.of(), List.of());
    for (int i = 1; i <= 10; i++) {
      m.offer(event("t", i));
    }
    runAll();

    assertThat(heard).containsExactly("t1", "t2", "t3", "closed UNSUBSCRIBED");
    assertThat(ended).containsExactly(m);
    assertThat(m.offer(event("t", 11))).isFalse();
  }

  @Test
  void closingTheFanOutDuringADeliveryTurnLetsEveryQueuedEventThroughThenBusClosed() {
    SubscriberQueues fanout = SubscriberQueues.withExecutor(100, parked::add, ended::add);
    List<String> heard = new CopyOnWriteArrayList<>();
    SubscriberQueues.Member m = fanout.open(Set.of("t"), new RealtimeListener() {
      @Override
      public void onEvent(ChangeEvent event) {
        heard.add("t" + event.position());
        if (event.position() == 2) {
          fanout.close(); // from inside a listener, mid-turn
        }
      }

      @Override
      public void onClosed(CloseReason reason) {
        heard.add("closed " + reason);
      }
    });
    m.start(Cursor.of("t", 0), Map.of(), List.of());
    for (int i = 1; i <= 5; i++) {
      m.offer(event("t", i));
    }
    runAll();

    assertThat(heard).containsExactly("t1", "t2", "t3", "t4", "t5", "closed BUS_CLOSED");
    assertThat(m.offer(event("t", 6))).isFalse();
    assertThat(fanout.subscriptionCount()).isZero();
    assertThat(ended).containsExactly(m);
  }

  @Test
  void aListenerThatThrowsKeepsItsSubscriptionAndHearsTheNextEvent() {
    SubscriberQueues fanout = SubscriberQueues.withExecutor(100, parked::add, ended::add);
    List<Long> heard = new CopyOnWriteArrayList<>();
    SubscriberQueues.Member m = fanout.open(Set.of("t"), e -> {
      heard.add(e.position());
      if (e.position() % 2 == 1) {
        throw new IllegalStateException("odd " + e.position());
      }
    });
    m.start(Cursor.of("t", 0), Map.of(), List.of());
    for (int i = 1; i <= 4; i++) {
      m.offer(event("t", i));
    }
    runAll();

    assertThat(heard).containsExactly(1L, 2L, 3L, 4L);
    assertThat(m.isOpen()).isTrue();
    assertThat(ended).isEmpty();
  }

  @Test
  void manyThreadsOfferingAtOnceLoseNothingAndEachTopicStaysInOrder() throws Exception {
    int threads = 8;
    int perThread = 2_000;
    SubscriberQueues fanout = SubscriberQueues.withOwnPool(threads * perThread, 2, ended::add);
    ConcurrentHashMap<String, List<Long>> byTopic = new ConcurrentHashMap<>();
    AtomicInteger delivered = new AtomicInteger();
    CountDownLatch all = new CountDownLatch(threads * perThread);
    Set<String> topics = new java.util.TreeSet<>();
    for (int t = 0; t < threads; t++) {
      topics.add("t" + t);
    }
    SubscriberQueues.Member m = fanout.open(topics, e -> {
      byTopic.computeIfAbsent(e.topic(), k -> new CopyOnWriteArrayList<>()).add(e.position());
      delivered.incrementAndGet();
      all.countDown();
    });
    m.start(Cursor.EMPTY, Map.of(), List.of());
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String topic = "t" + t;
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 1; i <= perThread; i++) {
            m.offer(event(topic, i)); // one thread per topic: the order a bus guarantees per topic
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
      assertThat(all.await(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      pool.shutdownNow();
      fanout.close();
    }

    assertThat(delivered.get()).isEqualTo(threads * perThread);
    for (String topic : topics) {
      List<Long> positions = byTopic.get(topic);
      assertThat(positions).as(topic).hasSize(perThread);
      for (int i = 0; i < perThread; i++) {
        assertThat(positions.get(i)).as("%s #%d", topic, i).isEqualTo(i + 1L);
      }
    }
    assertThat(m.isOpen()).isFalse(); // closed with the fan-out
  }
}
