package dev.closedloop.sync.realtime.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Replay;
import dev.closedloop.sync.realtime.Subscription;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * The node-local fan-out under contention: subscribers (fresh and resuming) join from many threads
 * while a reader appends to the log and rings the doorbell, as a server-backed bus does. Each must hear
 * exactly the events after its start, once, in order; the topic is followed exactly once and
 * unfollowed when the last subscriber leaves.
 */
class ServerLogFanoutConcurrencyTest {
  private final List<ChangeEvent> log = new CopyOnWriteArrayList<>();
  private final AtomicInteger follows = new AtomicInteger();
  private final AtomicInteger unfollows = new AtomicInteger();
  /** What the source was told last, as a bus's channel subscription would be: following or not. */
  private final java.util.concurrent.atomic.AtomicBoolean sourceFollows = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile ServerLogFanout node;

  private final ServerLogFanout.Source source = new ServerLogFanout.Source() {
    @Override
    public Replay replay(String topic, long after) {
      long head = head(topic);
      if (after > head) {
        return Replay.gap("ahead", head);
      }
      return Replay.of(log.stream().filter(e -> e.position() > after).toList(), head);
    }

    @Override
    public long head(String topic) {
      return log.isEmpty() ? 0 : log.get(log.size() - 1).position();
    }

    @Override
    public void follow(String topic, long position) {
      follows.incrementAndGet();
      sourceFollows.set(true);
      // the reader catches the topic up at its next doorbell
    }

    @Override
    public void unfollow(String topic) {
      unfollows.incrementAndGet();
      sourceFollows.set(false);
    }
  };

  /**
   * The reader's doorbell, as the PostgreSQL bus's LISTEN thread rings it: the log after the
   * node's position, up to the head, handed to {@link ServerLogFanout#catchUp}. Reader thread only.
   */
  private void ring() {
    java.util.OptionalLong from = node.position("t");
    if (from.isPresent()) {
      int size = log.size();
      node.catchUp("t", List.copyOf(log.subList((int) from.getAsLong(), size)), size, 0);
    }
  }

  private ChangeEvent append(long position) {
    ChangeEvent e = ChangeEvent.of(ChangeDraft.broadcast("t", null), position, Instant.EPOCH);
    log.add(e);
    return e;
  }

  static final class Heard implements RealtimeListener {
    final List<Long> positions = new CopyOnWriteArrayList<>();
    volatile Cursor start;
    final List<String> resets = new CopyOnWriteArrayList<>();

    @Override
    public void onSubscribed(Cursor start) {
      this.start = start;
    }

    @Override
    public void onEvent(ChangeEvent event) {
      positions.add(event.position());
    }

    @Override
    public void onReset(String topic, long head, String reason) {
      resets.add(reason);
    }
  }

  @Test
  void subscribersJoiningFromManyThreadsWhileTheReaderDispatchesHearEachEventAfterTheirStartOnce()
      throws Exception {
    int subscribers = 12;
    int events = 3_000;
    for (long p = 1; p <= 20; p++) {
      append(p); // history, never dispatched live
    }
    node = ServerLogFanout.create(source, events + 100, 2);
    List<Heard> heard = new CopyOnWriteArrayList<>();
    List<Subscription> subs = new CopyOnWriteArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(subscribers + 1);
    try {
      List<Future<?>> done = new ArrayList<>();
      done.add(pool.submit(() -> {
        go.await();
        for (long p = 21; p <= 20 + events; p++) {
          append(p); // the log first, then the doorbell: what a bus's reader sees
          ring();
        }
        return null;
      }));
      for (int s = 0; s < subscribers; s++) {
        Cursor from = s % 3 == 0 ? Cursor.EMPTY : Cursor.of("t", s); // most resume from the history
        done.add(pool.submit(() -> {
          go.await();
          Heard h = new Heard();
          heard.add(h);
          subs.add(node.subscribe(Set.of("t"), from, h));
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
      ring(); // the reader is done: this thread is the reader now, for those who followed last
      long head = 20 + events;
      for (Heard h : heard) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (h.start == null || h.positions.size() < head - h.start.position("t").orElseThrow()) {
          assertThat(System.nanoTime() - deadline).as("delivery within 30 s").isNegative();
          Thread.onSpinWait();
        }
      }

      assertThat(follows.get()).isEqualTo(1);
      assertThat(node.position("t")).hasValue(head);
      for (Heard h : heard) {
        long start = h.start.position("t").orElseThrow();
        assertThat(h.resets).isEmpty();
        assertThat(h.positions).as("from %d", start).hasSize((int) (head - start));
        for (int i = 0; i < h.positions.size(); i++) {
          assertThat(h.positions.get(i)).as("from %d, #%d", start, i).isEqualTo(start + 1 + i);
        }
      }

      for (Subscription s : subs) {
        s.close();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (unfollows.get() == 0) {
        assertThat(System.nanoTime() - deadline).as("unfollow within 10 s").isNegative();
        Thread.onSpinWait();
      }
      assertThat(unfollows.get()).isEqualTo(1);
      assertThat(node.followed()).isEmpty();
      assertThat(node.subscriptionCount()).isZero();
    } finally {
      pool.shutdownNow();
      node.close();
    }
  }

  @Test
  void aTopicWhoseSubscribersAllLeftIsFollowedAnewByTheNextAndSubscriberCountsStayExact() throws Exception {
    node = ServerLogFanout.create(source, 16, 1);
    try {
      int threads = 8;
      int rounds = 50;
      ConcurrentHashMap<Integer, Integer> opened = new ConcurrentHashMap<>();
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int n = t;
          done.add(pool.submit(() -> {
            go.await();
            for (int r = 0; r < rounds; r++) {
              Subscription s = node.subscribe(Set.of("t"), Cursor.EMPTY, e -> { });
              opened.merge(n, 1, Integer::sum);
              s.close();
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

      assertThat(opened.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(threads * rounds);
      assertThat(node.subscriptionCount()).isZero();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!node.followed().isEmpty() || follows.get() != unfollows.get()) {
        assertThat(System.nanoTime() - deadline).as("settled within 10 s").isNegative();
        Thread.onSpinWait();
      }
      assertThat(follows.get()).isBetween(1, threads * rounds); // each follow matched by one unfollow
    } finally {
      node.close();
    }
  }

  @Test
  void aTopicLeftAndJoinedFromManyThreadsEndsFollowedWhileOneSubscriptionStaysOpen() throws Exception {
    for (int round = 0; round < 20; round++) {
      node = ServerLogFanout.create(source, 16, 1);
      try {
        int threads = 8;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Subscription> kept = new CopyOnWriteArrayList<>();
        try {
          List<Future<?>> done = new ArrayList<>();
          for (int t = 0; t < threads; t++) {
            int n = t;
            done.add(pool.submit(() -> {
              go.await();
              for (int r = 0; r < 40; r++) {
                Subscription s = node.subscribe(Set.of("t"), Cursor.EMPTY, e -> { });
                if (n == 0 && r == 39) {
                  kept.add(s); // the last one in: the topic has a subscriber when all is done
                } else {
                  s.close();
                }
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
        assertThat(kept).hasSize(1);
        assertThat(node.followed()).containsExactly("t");
        assertThat(sourceFollows.get()).as("round %d: the source follows the topic its subscriber hears", round)
            .isTrue();
        assertThat(follows.get() - unfollows.get()).as("round %d: follows and unfollows alternate", round).isEqualTo(1);
        kept.get(0).close();
        assertThat(sourceFollows.get()).isFalse();
        assertThat(follows.get()).isEqualTo(unfollows.get());
      } finally {
        node.close();
      }
    }
  }

  @Test
  void closingTheNodeWhileAListenerIsBlockedDeliversItsQueueThenBusClosedWithoutUnfollowing() throws Exception {
    node = ServerLogFanout.create(source, 64, 1);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    List<String> heard = new CopyOnWriteArrayList<>();
    try {
      node.subscribe(Set.of("t"), Cursor.EMPTY, new RealtimeListener() {
        @Override
        public void onEvent(ChangeEvent event) {
          heard.add("t" + event.position());
          if (event.position() == 1) {
            inside.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }

        @Override
        public void onClosed(CloseReason reason) {
          heard.add("closed " + reason);
          closed.countDown();
        }
      });
      for (long p = 1; p <= 4; p++) {
        append(p);
        ring();
      }
      assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();

      node.close(); // returns while the listener is blocked

      assertThat(node.isClosed()).isTrue();
      assertThat(node.subscriptionCount()).isZero();
      release.countDown();
      assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(heard).containsExactly("t1", "t2", "t3", "t4", "closed BUS_CLOSED");
      assertThat(follows.get()).isEqualTo(1);
      assertThat(unfollows.get()).isZero(); // a closed node tells its source nothing more
    } finally {
      release.countDown();
      node.close();
    }
  }
}
