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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node-local half of a server-backed bus, over a log held in a list. */
class ServerLogFanoutTest {
  private final List<ChangeEvent> log = new CopyOnWriteArrayList<>();
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private long trimmedThrough;
  private final ServerLogFanout node = ServerLogFanout.create(new ServerLogFanout.Source() {
    @Override
    public Replay replay(String topic, long after) {
      long head = head(topic);
      if (after > head || after < trimmedThrough) {
        return Replay.gap("not in the log", head);
      }
      return Replay.of(log.stream().filter(e -> e.position() > after).toList(), head);
    }

    @Override
    public long head(String topic) {
      return log.isEmpty() ? 0 : log.get(log.size() - 1).position();
    }

    @Override
    public void follow(String topic, long position) {
      calls.add("follow " + topic + " " + position);
    }

    @Override
    public void unfollow(String topic) {
      calls.add("unfollow " + topic);
    }
  }, 64, 1);

  @AfterEach
  void close() {
    node.close();
  }

  private ChangeEvent append(long position) {
    ChangeEvent e = ChangeEvent.of(ChangeDraft.broadcast("t", null), position, Instant.EPOCH);
    log.add(e);
    return e;
  }

  private static List<Long> take(LinkedBlockingQueue<ChangeEvent> q, int n) throws InterruptedException {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ChangeEvent e = q.poll(5, TimeUnit.SECONDS);
      assertThat(e).as("event %d of %d", i, n).isNotNull();
      out.add(e.position());
    }
    return out;
  }

  @Test
  void aTopicIsFollowedFromItsHeadOnceAndEventsAreDispatchedOnceEach() throws Exception {
    append(1);
    LinkedBlockingQueue<ChangeEvent> heard = new LinkedBlockingQueue<>();
    Subscription s = node.subscribe(Set.of("t"), Cursor.EMPTY, heard::add);
    node.subscribe(Set.of("t"), Cursor.EMPTY, e -> {});
    assertThat(calls).containsExactly("follow t 1");
    assertThat(s.start().position("t")).hasValue(1);
    ChangeEvent two = append(2);
    node.dispatch(two);
    node.catchUp("t", List.of(append(3)), 3, 0);
    node.dispatch(two); // again, live after the catch-up: dropped
    assertThat(take(heard, 2)).containsExactly(2L, 3L);
    assertThat(node.position("t")).hasValue(3);
    s.close();
    assertThat(heard.poll(100, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void aSubscriptionIsNotCountedWhileItsStartIsBeingFixedSoAnEventPublishedAfterTheCountReachesIt()
      throws Exception {
    CountDownLatch reading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ServerLogFanout slow = ServerLogFanout.create(new ServerLogFanout.Source() {
      @Override
      public Replay replay(String topic, long after) {
        return Replay.of(List.of(), 0);
      }

      @Override
      public long head(String topic) {
        reading.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return log.size();
      }

      @Override
      public void follow(String topic, long position) {}
    }, 64, 1);
    try {
      LinkedBlockingQueue<ChangeEvent> heard = new LinkedBlockingQueue<>();
      Thread subscriber = new Thread(() -> slow.subscribe(Set.of("t"), Cursor.EMPTY, heard::add));
      subscriber.start();
      assertThat(reading.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(slow.subscriptionCount()).isZero(); // a publisher waiting for the count waits on
      append(1); // published while the head is read: at or before the start, not heard
      release.countDown();
      subscriber.join();
      assertThat(slow.subscriptionCount()).isEqualTo(1);
      slow.dispatch(append(2)); // published once counted: heard
      assertThat(take(heard, 1)).containsExactly(2L);
    } finally {
      slow.close();
    }
  }

  @Test
  void aResumeWhileTheNodeIsAheadOfTheReplayGetsTheDispatchedEventsFromTheLogWithoutGapOrRepeat() throws Exception {
    append(1);
    node.subscribe(Set.of("t"), Cursor.EMPTY, e -> {});
    node.catchUp("t", List.of(append(2), append(3)), 3, 0);
    LinkedBlockingQueue<ChangeEvent> resumed = new LinkedBlockingQueue<>();
    Subscription s = node.subscribe(Set.of("t"), Cursor.of("t", 1), resumed::add);
    assertThat(s.start().position("t")).hasValue(1);
    node.dispatch(append(4));
    assertThat(take(resumed, 3)).containsExactly(2L, 3L, 4L);
  }

  @Test
  void eventsLostBeforeTheNodeDispatchedThemEndTheTopicsSubscriptionsWithFailed() throws Exception {
    LinkedBlockingQueue<CloseReason> closed = new LinkedBlockingQueue<>();
    Subscription s = node.subscribe(Set.of("t"), Cursor.EMPTY, new RealtimeListener() {
      @Override
      public void onEvent(ChangeEvent event) {}

      @Override
      public void onClosed(CloseReason reason) {
        closed.add(reason);
      }
    });
    assertThat(node.catchUp("t", List.of(append(5)), 5, 4)).isFalse();
    assertThat(closed.poll(5, TimeUnit.SECONDS)).isEqualTo(CloseReason.FAILED);
    assertThat(s.isOpen()).isFalse();
    assertThat(calls).containsExactly("follow t 0", "unfollow t");
    assertThat(node.followed()).isEmpty();
  }

  @Test
  void aPositionTheLogNoLongerHoldsIsAResetAtTheHead() {
    append(7);
    trimmedThrough = 6;
    LinkedBlockingQueue<String> resets = new LinkedBlockingQueue<>();
    Subscription s = node.subscribe(Set.of("t"), Cursor.of("t", 2), new RealtimeListener() {
      @Override
      public void onEvent(ChangeEvent event) {}

      @Override
      public void onReset(String topic, long head, String reason) {
        resets.add(topic + "@" + head);
      }
    });
    assertThat(s.resetTopics()).containsExactly("t");
    assertThat(s.start().position("t")).hasValue(7);
  }
}
