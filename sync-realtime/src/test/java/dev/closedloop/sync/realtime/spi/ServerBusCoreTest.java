package dev.closedloop.sync.realtime.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Replay;
import dev.closedloop.sync.realtime.Subscription;
import dev.closedloop.sync.time.VirtualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ServerBusCore} over an in-memory log: what reaches {@code awaitChange} (and in which
 * order relative to subscribers), the reader's pause on virtual time, and the close order.
 */
class ServerBusCoreTest {
  private static final Duration LONG = Duration.ofSeconds(30);

  private final VirtualScheduler scheduler = new VirtualScheduler();
  /** The log of topic "t": its events by position 1, 2, 3… */
  private final List<ChangeEvent> log = new CopyOnWriteArrayList<>();
  private final ServerBusCore core;

  ServerBusCoreTest() {
    ServerBusOptions options = new ServerBusOptions(10_000);
    options.scheduler(scheduler);
    options.deliveryThreads(1);
    core = new ServerBusCore(options, new ServerLogFanout.Source() {
      @Override
      public Replay replay(String topic, long after) {
        return Replay.of(log.stream().filter(e -> e.position() > after).toList(), log.size());
      }

      @Override
      public long head(String topic) {
        return log.size();
      }

      @Override
      public void follow(String topic, long position) {}
    });
  }

  @AfterEach
  void close() {
    core.close(LONG, () -> {});
  }

  private ChangeEvent append(String key) {
    ChangeEvent e = ChangeEvent.of(ChangeDraft.insert("t", key, "{}"), log.size() + 1, Instant.EPOCH);
    log.add(e);
    return e;
  }

  @Test
  void aWaiterHearsANewLiveEventBeforeAnySubscriberAndNeverAnEventDispatchedAlready() throws Exception {
    CompletableFuture<ChangeEvent> first = core.awaitChange(e -> true, LONG);
    List<Boolean> waiterDoneWhenHeard = new CopyOnWriteArrayList<>();
    CountDownLatch heard = new CountDownLatch(1);
    core.subscribe(Set.of("t"), Cursor.EMPTY, event -> {
      waiterDoneWhenHeard.add(first.isDone());
      heard.countDown();
    });
    ChangeEvent one = append("a");
    assertThat(core.dispatch(one)).isTrue();
    assertThat(heard.await(LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(first.join()).isEqualTo(one);
    assertThat(waiterDoneWhenHeard).containsExactly(true);

    CompletableFuture<ChangeEvent> next = core.awaitChange(e -> true, LONG);
    assertThat(core.dispatch(one)).as("heard again, e.g. live and from a catch-up").isFalse();
    assertThat(core.dispatch(ChangeEvent.of(ChangeDraft.insert("other", "a", "{}"), 1, Instant.EPOCH)))
        .as("a topic this node does not follow").isFalse();
    assertThat(next).isNotDone();
    ChangeEvent two = append("b");
    assertThat(core.dispatch(two)).isTrue();
    assertThat(next.join()).isEqualTo(two);
  }

  @Test
  void aCatchUpOffersOnlyWhatIsPastTheNodesPositionAndNothingOnceEventsWereLost() {
    Recorder rec = new Recorder();
    core.subscribe(Set.of("t"), Cursor.EMPTY, rec);
    ChangeEvent one = append("a");
    ChangeEvent two = append("b");
    CompletableFuture<ChangeEvent> first = core.awaitChange(e -> true, LONG);
    assertThat(core.catchUp("t", List.of(one, two), 2, 0)).isTrue();
    assertThat(first.join()).isEqualTo(one);

    CompletableFuture<ChangeEvent> third = core.awaitChange(e -> true, LONG);
    ChangeEvent three = append("c");
    assertThat(core.catchUp("t", List.of(two, three), 3, 0)).isTrue();
    assertThat(third.join()).as("two was dispatched already").isEqualTo(three);

    CompletableFuture<ChangeEvent> afterLoss = core.awaitChange(e -> true, LONG);
    ChangeEvent six = ChangeEvent.of(ChangeDraft.insert("t", "f", "{}"), 6, Instant.EPOCH);
    assertThat(core.catchUp("t", List.of(six), 6, 5)).as("4 and 5 are gone").isFalse();
    assertThat(afterLoss).isNotDone();
    assertThat(rec.closed.join()).isEqualTo(CloseReason.FAILED);
  }

  @Test
  void thePauseEndsWhenTheSchedulerReachesItsDelayOrWhenTheBusCloses() throws Exception {
    Thread paused = new Thread(() -> core.pause(Duration.ofSeconds(2).toNanos()));
    paused.start();
    awaitTimers(1);
    scheduler.advance(Duration.ofMillis(1_999));
    assertThat(paused.isAlive()).isTrue();
    scheduler.advance(Duration.ofMillis(1));
    paused.join(LONG.toMillis());
    assertThat(paused.isAlive()).isFalse();

    Thread long1 = new Thread(() -> core.pause(Duration.ofHours(1).toNanos()));
    long1.start();
    awaitTimers(1);
    assertThat(core.close(LONG, () -> {})).isTrue();
    long1.join(LONG.toMillis());
    assertThat(long1.isAlive()).isFalse();
    assertThat(scheduler.pendingCount()).as("the pause's timer was cancelled").isZero();
  }

  @Test
  void closeRunsItsStepsOnceInOrderAfterTheReaderEnded() throws Exception {
    CountDownLatch woken = new CountDownLatch(1);
    AtomicBoolean readerEnded = new AtomicBoolean();
    core.startReader("test-reader", () -> {
      try {
        woken.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      readerEnded.set(true);
    });
    assertThatThrownBy(() -> core.startReader("again", () -> {})).isInstanceOf(IllegalStateException.class);
    Recorder rec = new Recorder();
    Subscription s = core.subscribe(Set.of("t"), Cursor.EMPTY, rec);
    CompletableFuture<ChangeEvent> pending = core.awaitChange(e -> false, LONG);
    List<String> steps = new CopyOnWriteArrayList<>();
    ServerBusCore.Shutdown shutdown = new ServerBusCore.Shutdown() {
      @Override
      public void cancelTimers() {
        steps.add("cancelTimers");
        throw new IllegalStateException("a failing step (expected by the test)");
      }

      @Override
      public void wakeReader() {
        steps.add("wakeReader");
        woken.countDown();
      }

      @Override
      public void deliverRest() {
        steps.add("deliverRest, reader ended " + readerEnded.get() + ", subscription open " + s.isOpen());
      }

      @Override
      public void release() {
        steps.add("release, subscription open " + s.isOpen() + ", waiter done " + pending.isDone());
      }
    };
    assertThat(core.close(LONG, shutdown)).isTrue();
    assertThat(core.close(LONG, shutdown)).isFalse();
    assertThat(steps).containsExactly("cancelTimers", "wakeReader", "deliverRest, reader ended true, subscription open true",
        "release, subscription open false, waiter done true");
    assertThat(rec.closed.join()).isEqualTo(CloseReason.BUS_CLOSED);
    assertThatThrownBy(pending::join).hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> core.subscribe(Set.of("t"), Cursor.EMPTY, rec)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> core.awaitChange(e -> true, LONG)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(core::ensureOpen).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aReaderThatDoesNotWakeIsInterrupted() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    core.startReader("deaf-reader", () -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        interrupted.set(true);
      }
    });
    core.close(Duration.ofMillis(10), () -> {});
    assertThat(interrupted).isTrue();
  }

  @Test
  void optionsValidateWithFixedMessages() {
    ServerBusOptions o = new ServerBusOptions(100_000);
    assertThatThrownBy(() -> o.maxEventsPerTopic(100_001)).hasMessage("maxEventsPerTopic must be between 1 and 100000: 100001");
    assertThatThrownBy(() -> o.maxEventsPerTopic(0)).hasMessage("maxEventsPerTopic must be between 1 and 100000: 0");
    assertThatThrownBy(() -> o.subscriberQueueCapacity(0)).hasMessage("subscriberQueueCapacity must be at least 1: 0");
    assertThatThrownBy(() -> o.deliveryThreads(0)).hasMessage("deliveryThreads must be at least 1: 0");
    assertThatThrownBy(() -> o.reconnectPolicy(null)).hasMessage("policy cannot be null");
    assertThatThrownBy(() -> o.scheduler(null)).hasMessage("scheduler cannot be null");
    assertThatThrownBy(() -> new ServerBusOptions(9_999)).isInstanceOf(IllegalArgumentException.class);
    o.maxEventsPerTopic(100_000);
    assertThat(o.maxEventsPerTopic()).isEqualTo(100_000);
    assertThat(o.reconnectPolicy().initialDelay()).isEqualTo(Duration.ofMillis(100));
  }

  private void awaitTimers(int n) throws InterruptedException {
    long deadline = System.nanoTime() + LONG.toNanos();
    while (scheduler.pendingCount() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no timer was scheduled");
      }
      Thread.onSpinWait();
    }
  }

  private static final class Recorder implements RealtimeListener {
    final List<ChangeEvent> events = new ArrayList<>();
    final CompletableFuture<CloseReason> closed = new CompletableFuture<>();

    @Override
    public void onEvent(ChangeEvent event) {
      synchronized (events) {
        events.add(event);
      }
    }

    @Override
    public void onClosed(CloseReason reason) {
      closed.complete(reason);
    }
  }
}
