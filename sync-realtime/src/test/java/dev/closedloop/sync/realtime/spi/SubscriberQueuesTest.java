package dev.closedloop.sync.realtime.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeListener;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The fan-out that distributed buses deliver through, driven on the calling thread. */
class SubscriberQueuesTest {
  private static final Executor DIRECT = Runnable::run;
  private final List<SubscriberQueues.Member> ended = new CopyOnWriteArrayList<>();
  private final List<String> heard = new ArrayList<>();

  private final RealtimeListener recorder = new RealtimeListener() {
    @Override
    public void onEvent(ChangeEvent event) {
      heard.add("event " + event.position());
    }

    @Override
    public void onSubscribed(Cursor start) {
      heard.add("subscribed " + start.format());
    }

    @Override
    public void onReset(String topic, long head, String reason) {
      heard.add("reset " + topic + " " + head + " " + reason);
    }

    @Override
    public void onClosed(CloseReason reason) {
      heard.add("closed " + reason);
    }
  };

  private static ChangeEvent event(String topic, long position) {
    return ChangeEvent.of(ChangeDraft.broadcast(topic, null), position, Instant.EPOCH);
  }

  @Test
  void liveEventsOfferedBeforeStartFollowTheStartTheResetsAndTheReplay() {
    SubscriberQueues fanout = SubscriberQueues.withExecutor(8, DIRECT, ended::add);
    SubscriberQueues.Member m = fanout.open(Set.of("a", "b"), recorder);
    m.offer(event("a", 7));
    assertThat(heard).isEmpty();
    m.start(Cursor.of(Map.of("a", 5L, "b", 9L)), Map.of("b", "gone"), List.of(event("a", 6)));
    assertThat(heard).containsExactly("subscribed a:5,b:9", "reset b 9 gone", "event 6", "event 7");
    assertThat(m.resetTopics()).containsExactly("b");
    assertThatThrownBy(() -> m.start(Cursor.EMPTY, Map.of(), List.of())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aMemberCountsAsOpenFromItsStartNotItsOpenAndOneEndedBeforeItsStartNeverCounts() {
    SubscriberQueues fanout = SubscriberQueues.withExecutor(8, DIRECT, ended::add);
    SubscriberQueues.Member m = fanout.open(Set.of("a"), recorder);
    assertThat(fanout.subscriptionCount()).isZero(); // where it starts is not fixed yet
    m.start(Cursor.of("a", 0), Map.of(), List.of());
    assertThat(fanout.subscriptionCount()).isEqualTo(1);
    m.close();
    assertThat(fanout.subscriptionCount()).isZero();

    SubscriberQueues.Member failed = fanout.open(Set.of("a"), recorder);
    failed.end(CloseReason.FAILED);
    assertThat(fanout.subscriptionCount()).isZero();
  }

  @Test
  void startsRacingEndsLeaveTheCountAtExactlyTheMembersStillOpen() throws Exception {
    SubscriberQueues fanout = SubscriberQueues.withExecutor(8, DIRECT, ended::add);
    int members = 2_000;
    List<SubscriberQueues.Member> all = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      all.add(fanout.open(Set.of("a"), e -> {}));
    }
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger lowest = new AtomicInteger();
    Thread starter = new Thread(() -> {
      await(go);
      for (SubscriberQueues.Member m : all) {
        m.start(Cursor.of("a", 0), Map.of(), List.of());
        lowest.accumulateAndGet(fanout.subscriptionCount(), Math::min);
      }
    });
    Thread ender = new Thread(() -> {
      await(go);
      for (int i = 0; i < members; i += 2) { // every other one ends, before or after its start
        all.get(i).end(CloseReason.FAILED);
        lowest.accumulateAndGet(fanout.subscriptionCount(), Math::min);
      }
    });
    starter.start();
    ender.start();
    go.countDown();
    starter.join();
    ender.join();
    assertThat(lowest.get()).isNotNegative();
    assertThat(fanout.subscriptionCount()).isEqualTo(members / 2);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aMemberPastItsQueueBoundEndsWithOverflowAndTheBusIsToldOnce() {
    List<Runnable> parked = new ArrayList<>();
    SubscriberQueues fanout = SubscriberQueues.withExecutor(2, parked::add, ended::add);
    SubscriberQueues.Member m = fanout.open(Set.of("a"), recorder);
    m.start(Cursor.of("a", 0), Map.of(), List.of());
    assertThat(m.offer(event("a", 1))).isTrue();
    assertThat(m.offer(event("a", 2))).isTrue();
    assertThat(m.offer(event("a", 3))).isFalse();
    assertThat(m.closeReason()).isEqualTo(CloseReason.OVERFLOW);
    assertThat(fanout.subscriptionCount()).isZero();
    while (!parked.isEmpty()) {
      parked.remove(0).run();
    }
    assertThat(heard).containsExactly("closed OVERFLOW"); // an abrupt end drops even the undelivered start
    assertThat(ended).containsExactly(m);
  }

  @Test
  void closingDeliversWhatIsQueuedThenBusClosedAndRefusesNewMembers() {
    List<Runnable> parked = new ArrayList<>();
    SubscriberQueues fanout = SubscriberQueues.withExecutor(8, parked::add, ended::add);
    SubscriberQueues.Member m = fanout.open(Set.of("a"), recorder);
    m.start(Cursor.of("a", 0), Map.of(), List.of());
    m.offer(event("a", 1));
    fanout.close();
    fanout.close();
    while (!parked.isEmpty()) {
      parked.remove(0).run();
    }
    assertThat(heard).containsExactly("subscribed a:0", "event 1", "closed BUS_CLOSED");
    assertThat(ended).containsExactly(m);
    assertThatThrownBy(() -> fanout.open(Set.of("a"), recorder)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void endingForFailureDropsTheQueueAndUnregistersAtOnce() {
    List<Runnable> parked = new ArrayList<>();
    SubscriberQueues fanout = SubscriberQueues.withExecutor(8, parked::add, ended::add);
    SubscriberQueues.Member m = fanout.open(Set.of("a"), recorder);
    m.start(Cursor.of("a", 0), Map.of(), List.of());
    parked.remove(0).run();
    m.offer(event("a", 1));
    assertThat(m.end(CloseReason.FAILED)).isTrue();
    assertThat(ended).containsExactly(m);
    assertThat(m.end(CloseReason.FAILED)).isFalse();
    while (!parked.isEmpty()) {
      parked.remove(0).run();
    }
    assertThat(heard).containsExactly("subscribed a:0", "closed FAILED");
    assertThat(ended).hasSize(1);
  }

  @Test
  void badArgumentsAreNamed() {
    assertThatThrownBy(() -> SubscriberQueues.withExecutor(0, DIRECT, ended::add))
        .hasMessage("queueCapacity must be at least 1: 0");
    assertThatThrownBy(() -> SubscriberQueues.withOwnPool(1, 0, ended::add))
        .hasMessage("deliveryThreads must be at least 1: 0");
    SubscriberQueues fanout = SubscriberQueues.withExecutor(1, DIRECT, ended::add);
    assertThatThrownBy(() -> fanout.open(Set.of(), recorder)).hasMessage("topics must not be empty");
    assertThatThrownBy(() -> fanout.open(Set.of("a b"), recorder)).hasMessageContaining("invalid topic 'a b'");
  }
}
