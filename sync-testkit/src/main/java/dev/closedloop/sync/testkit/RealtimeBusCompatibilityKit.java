package dev.closedloop.sync.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.ChangeType;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.Replay;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cases every {@link RealtimeBus} passes: ordering, subscribe-then-snapshot, replay, gap
 * detection and reset, the latest state, {@code awaitChange}, listener isolation and close. Extend it and
 * implement {@link #createBus(int)}:
 *
 * <pre>{@code
 * class RedisRealtimeBusTest extends RealtimeBusCompatibilityKit {
 *   protected RealtimeBus createBus(int replayCapacity) {
 *     return RedisRealtimeBus.builder(redisUri).maxEventsPerTopic(replayCapacity).build();
 *   }
 * }
 * }</pre>
 *
 * <p>Every test uses fresh, randomly suffixed topics, so a bus backed by a shared server needs no
 * cleanup between tests. Delivery is awaited with real time, up to {@link #timeout()}; nothing
 * sleeps.
 *
 * <p>This class is not threadsafe: JUnit creates one instance per test.
 */
public abstract class RealtimeBusCompatibilityKit {

  /** The replay capacity the kit asks for. */
  protected static final int REPLAY_CAPACITY = 10;

  private @Nullable RealtimeBus bus;
  private final List<Subscription> subscriptions = new ArrayList<>();
  private final String suffix = UUID.randomUUID().toString().substring(0, 8);

  /**
   * Returns a new, open bus whose replay log keeps at least the newest {@code replayCapacity}
   * events of a topic and at most {@code 4 * replayCapacity} of them. It is closed after each
   * test.
   */
  protected abstract RealtimeBus createBus(int replayCapacity);

  /** Returns how long the kit waits for an asynchronous delivery (default 10 s). */
  protected Duration timeout() {
    return Duration.ofSeconds(10);
  }

  @BeforeEach
  final void createTheBus() {
    bus = createBus(REPLAY_CAPACITY);
  }

  @AfterEach
  final void closeTheBus() {
    for (Subscription s : subscriptions) {
      s.close();
    }
    if (bus != null) {
      bus.close();
    }
  }

  /** Returns the bus under test. */
  protected final RealtimeBus bus() {
    if (bus == null) {
      throw new IllegalStateException("bus not created yet");
    }
    return bus;
  }

  /** Returns a topic name unique to this test. */
  protected final String topic(String name) {
    return name + "-" + suffix;
  }

  private Subscription subscribe(Set<String> topics, Cursor after, RealtimeListener listener) {
    Subscription s = bus().subscribe(topics, after, listener);
    subscriptions.add(s);
    return s;
  }

  private static ChangeDraft update(String topic, String key, int n) {
    return ChangeDraft.update(topic, key, "{\"n\":" + n + "}", null);
  }

  // ---- ordering ------------------------------------------------------------------------------

  @Test
  void publishReturnsStrictlyIncreasingPositionsPerTopic() {
    String a = topic("orders");
    String b = topic("sms");
    long a1 = bus().publish(update(a, "1", 1));
    long b1 = bus().publish(update(b, "1", 1));
    long a2 = bus().publish(update(a, "1", 2));
    long a3 = bus().publish(update(a, "2", 3));
    assertThat(a1).isPositive();
    assertThat(b1).isPositive();
    assertThat(a2).isGreaterThan(a1);
    assertThat(a3).isGreaterThan(a2);
    assertThat(bus().head(a)).isEqualTo(a3);
    assertThat(bus().head(topic("never"))).isZero();
  }

  @Test
  void subscriberHearsEveryEventAfterItsStartInOrderExactlyOnce() throws Exception {
    String t = topic("orders");
    Recorder rec = new Recorder();
    subscribe(Set.of(t), Cursor.EMPTY, rec);
    int threads = 4;
    int perThread = 250;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> publishers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int id = i;
      Thread th = new Thread(() -> {
        try {
          go.await();
          for (int n = 0; n < perThread; n++) {
            bus().publish(update(t, "p" + id, n));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      th.start();
      publishers.add(th);
    }
    go.countDown();
    for (Thread th : publishers) {
      th.join(timeout().toMillis());
    }
    List<ChangeEvent> got = rec.awaitEvents(threads * perThread);
    assertThat(got).hasSize(threads * perThread);
    assertStrictlyIncreasing(got);
    // Each publisher's events arrive in the order it published them.
    for (int i = 0; i < threads; i++) {
      String key = "p" + i;
      List<String> data = got.stream().filter(e -> key.equals(e.key())).map(ChangeEvent::newData).toList();
      List<String> expected = new ArrayList<>();
      for (int n = 0; n < perThread; n++) {
        expected.add("{\"n\":" + n + "}");
      }
      assertThat(data).isEqualTo(expected);
    }
  }

  @Test
  void subscriptionReportsItsStartSoThatASnapshotMissesNothing() {
    String t = topic("orders");
    long before = bus().publish(update(t, "1", 1));
    bus().publish(update(t, "1", 2));
    Recorder rec = new Recorder();
    Subscription s = subscribe(Set.of(t), Cursor.EMPTY, rec);
    long start = s.start().position(t).orElseThrow();
    assertThat(start).isGreaterThan(before);
    assertThat(rec.awaitSubscribed()).isEqualTo(s.start());
    long after = bus().publish(update(t, "1", 3));
    List<ChangeEvent> got = rec.awaitEvents(1);
    assertThat(got).extracting(ChangeEvent::position).containsExactly(after);
    assertThat(after).isGreaterThan(start);
  }

  @Test
  void topicWithNoEventsYetIsAValidSubscription() {
    String t = topic("empty");
    Recorder rec = new Recorder();
    Subscription s = subscribe(Set.of(t), Cursor.EMPTY, rec);
    assertThat(s.start().position(t)).hasValue(0);
    assertThat(s.isOpen()).isTrue();
    long p = bus().publish(ChangeDraft.broadcast(t, "\"hello\""));
    assertThat(rec.awaitEvents(1)).extracting(ChangeEvent::position).containsExactly(p);
  }

  @Test
  void oneSubscriptionToSeveralTopicsKeepsEachTopicsOrder() {
    String a = topic("a");
    String b = topic("b");
    Recorder rec = new Recorder();
    subscribe(Set.of(a, b), Cursor.EMPTY, rec);
    for (int i = 0; i < 50; i++) {
      bus().publish(update(i % 2 == 0 ? a : b, "k", i));
    }
    List<ChangeEvent> got = rec.awaitEvents(50);
    assertStrictlyIncreasing(got.stream().filter(e -> e.topic().equals(a)).toList());
    assertStrictlyIncreasing(got.stream().filter(e -> e.topic().equals(b)).toList());
    assertThat(got.stream().filter(e -> e.topic().equals(a))).hasSize(25);
  }

  // ---- replay and gaps ------------------------------------------------------------------------

  @Test
  void replayReturnsExactlyTheEventsAfterAPosition() {
    String t = topic("orders");
    List<Long> positions = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      positions.add(bus().publish(update(t, "k", i)));
    }
    Replay r = bus().replay(t, positions.get(1));
    assertThat(r.isGap()).isFalse();
    assertThat(r.events()).extracting(ChangeEvent::position).containsExactlyElementsOf(positions.subList(2, 5));
    assertThat(r.events()).extracting(ChangeEvent::newData).containsExactly("{\"n\":2}", "{\"n\":3}", "{\"n\":4}");
    assertThat(bus().replay(t, positions.get(4)).events()).isEmpty();
    assertThat(bus().replay(topic("never"), 0).events()).isEmpty();
  }

  @Test
  void replayFromBeforeTheLogIsAGapNotASilentSkip() {
    String t = topic("orders");
    long first = bus().publish(update(t, "k", 0));
    for (int i = 1; i < REPLAY_CAPACITY * 10; i++) {
      bus().publish(update(t, "k", i));
    }
    Replay r = bus().replay(t, first);
    assertThat(r.isGap()).isTrue();
    assertThat(r.gapReason()).isNotBlank();
    assertThat(r.head()).isEqualTo(bus().head(t));
    Replay recent = bus().replay(t, bus().head(t) - 0);
    assertThat(recent.isGap()).isFalse();
  }

  @Test
  void replayFromAheadOfTheHeadIsAGap() {
    String t = topic("orders");
    long head = bus().publish(update(t, "k", 0));
    assertThat(bus().replay(t, head + 1_000).isGap()).isTrue();
  }

  @Test
  void resumingFromARetainedPositionDeliversExactlyTheMissedEventsThenLiveOnes() {
    String t = topic("orders");
    long seen = 0;
    for (int i = 0; i < 3; i++) {
      seen = bus().publish(update(t, "k", i));
    }
    List<Long> missed = new ArrayList<>();
    for (int i = 3; i < 3 + REPLAY_CAPACITY; i++) {
      missed.add(bus().publish(update(t, "k", i)));
    }
    Recorder rec = new Recorder();
    Subscription s = subscribe(Set.of(t), Cursor.of(t, seen), rec);
    assertThat(s.start().position(t)).hasValue(seen);
    assertThat(s.resetTopics()).isEmpty();
    long live = bus().publish(update(t, "k", 99));
    List<Long> expected = new ArrayList<>(missed);
    expected.add(live);
    assertThat(rec.awaitEvents(expected.size())).extracting(ChangeEvent::position).containsExactlyElementsOf(expected);
    assertThat(rec.resets()).isEmpty();
  }

  @Test
  void resumingFromBeyondTheLogResetsTheTopicAndContinuesLive() {
    String t = topic("orders");
    String quiet = topic("quiet");
    long first = bus().publish(update(t, "k", 0));
    for (int i = 1; i < REPLAY_CAPACITY * 10; i++) {
      bus().publish(update(t, "k", i));
    }
    long head = bus().head(t);
    Recorder rec = new Recorder();
    Subscription s = subscribe(Set.of(t, quiet), Cursor.of(Map.of(t, first, quiet, 0L)), rec);
    assertThat(s.resetTopics()).containsExactly(t);
    assertThat(s.start().position(t)).hasValue(head);
    assertThat(s.start().position(quiet)).hasValue(0);
    long live = bus().publish(update(t, "k", 1000));
    assertThat(rec.awaitEvents(1)).extracting(ChangeEvent::position).containsExactly(live);
    assertThat(rec.resets()).containsExactly(t);
  }

  // ---- latest state ---------------------------------------------------------------------------

  @Test
  void latestHoldsTheLastChangeOfEachKeyAndForgetsDeletes() {
    String t = topic("orders");
    bus().publish(ChangeDraft.insert(t, "1", "{\"v\":1}"));
    bus().publish(ChangeDraft.update(t, "1", "{\"v\":2}", "{\"v\":1}"));
    bus().publish(ChangeDraft.insert(t, "2", "{\"v\":7}").withIdempotencyKey("key-2"));
    assertThat(bus().latest(t, "1")).get().extracting(ChangeEvent::newData).isEqualTo("{\"v\":2}");
    assertThat(bus().latest(t, "2")).get().extracting(ChangeEvent::idempotencyKeyDigest)
        .as("the bus keeps the key's digest, never the key").isEqualTo(IdempotencyKey.digest("key-2"));
    bus().publish(ChangeDraft.delete(t, "1", "{\"v\":2}"));
    assertThat(bus().latest(t, "1")).isEmpty();
    assertThat(bus().latest(t, "none")).isEmpty();
    bus().publish(ChangeDraft.broadcast(t, "{\"note\":1}"));
    assertThat(bus().latest(t, "2")).get().extracting(ChangeEvent::type).isEqualTo(ChangeType.INSERT);
  }

  @Test
  void latestIsTheEventSubscribersHeardAndNeedsAKey() {
    String t = topic("orders");
    Recorder rec = new Recorder();
    subscribe(Set.of(t), Cursor.EMPTY, rec);
    bus().publish(ChangeDraft.insert(t, "1", "{\"v\":1}"));
    long second = bus().publish(ChangeDraft.update(t, "1", "{\"v\":2}", "{\"v\":1}"));
    ChangeEvent heard = rec.awaitEvents(2).get(1);
    assertThat(bus().latest(t, "1")).contains(heard);
    assertThat(heard.position()).isEqualTo(second);
    assertThat(bus().latest(topic("other"), "1")).isEmpty();
    assertThatThrownBy(() -> bus().latest(t, null)).isInstanceOf(NullPointerException.class);
  }

  // ---- waiting for a change -------------------------------------------------------------------
  // A server bus hears the topics its node has subscribers for, so each case subscribes first.

  @Test
  void awaitChangeCompletesWithTheFirstMatchingEventHeardAfterTheCall() throws Exception {
    String t = topic("orders");
    Recorder rec = new Recorder();
    subscribe(Set.of(t), Cursor.EMPTY, rec);
    bus().publish(ChangeDraft.insert(t, "old", "{}").withIdempotencyKey("mine"));
    rec.awaitEvents(1); // heard: from now on it is in the past
    CompletableFuture<ChangeEvent> mine = bus().awaitChange(e -> e.isCausedBy("mine"), timeout());
    CompletableFuture<ChangeEvent> any = bus().awaitChange(e -> true, timeout());
    long other = bus().publish(update(t, "k", 1));
    long match = bus().publish(ChangeDraft.update(t, "k", "{\"n\":2}", null).withIdempotencyKey("mine"));
    bus().publish(ChangeDraft.update(t, "k", "{\"n\":3}", null).withIdempotencyKey("mine"));
    ChangeEvent got = mine.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    assertThat(got.position()).isEqualTo(match);
    assertThat(got.newData()).isEqualTo("{\"n\":2}");
    assertThat(any.get(timeout().toMillis(), TimeUnit.MILLISECONDS).position()).isEqualTo(other);
  }

  @Test
  void awaitChangeHearsEveryTopicItsNodeSubscribesTo() throws Exception {
    String a = topic("orders");
    String b = topic("sms");
    subscribe(Set.of(a), Cursor.EMPTY, e -> {});
    subscribe(Set.of(b), Cursor.EMPTY, e -> {});
    CompletableFuture<ChangeEvent> onB = bus().awaitChange(e -> e.topic().equals(b), timeout());
    bus().publish(update(a, "k", 1));
    long position = bus().publish(update(b, "k", 1));
    ChangeEvent got = onB.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    assertThat(got.topic()).isEqualTo(b);
    assertThat(got.position()).isEqualTo(position);
  }

  @Test
  void awaitChangeTimesOutFailsOnAThrowingPredicateAndUnregistersWhenCancelled() {
    String t = topic("orders");
    subscribe(Set.of(t), Cursor.EMPTY, e -> {});
    CompletableFuture<ChangeEvent> never = bus().awaitChange(e -> false, Duration.ofMillis(50));
    CompletableFuture<ChangeEvent> broken = bus().awaitChange(e -> {
      throw new IllegalStateException("predicate bug (expected by the test)");
    }, timeout());
    CompletableFuture<ChangeEvent> cancelled = bus().awaitChange(e -> true, timeout());
    assertThat(cancelled.cancel(false)).isTrue();
    bus().publish(update(t, "k", 1));
    assertThatThrownBy(() -> never.get(timeout().toMillis(), TimeUnit.MILLISECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
    assertThatThrownBy(() -> broken.get(timeout().toMillis(), TimeUnit.MILLISECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalStateException.class)
        .hasRootCauseMessage("predicate bug (expected by the test)");
    assertThat(cancelled).isCancelled();
  }

  @Test
  void closingTheBusFailsPendingAwaitsAndRejectsNewOnes() {
    subscribe(Set.of(topic("orders")), Cursor.EMPTY, e -> {});
    CompletableFuture<ChangeEvent> pending = bus().awaitChange(e -> false, Duration.ofHours(1));
    bus().close();
    assertThatThrownBy(() -> pending.get(timeout().toMillis(), TimeUnit.MILLISECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> bus().awaitChange(e -> true, timeout())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void awaitChangeRejectsBadArguments() {
    assertThatThrownBy(() -> bus().awaitChange(null, timeout())).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> bus().awaitChange(e -> true, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> bus().awaitChange(e -> true, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- isolation ------------------------------------------------------------------------------

  @Test
  void aThrowingListenerKeepsItsSubscriptionAndOthersHearEverything() {
    String t = topic("orders");
    AtomicInteger calls = new AtomicInteger();
    Recorder afterThrows = new Recorder();
    Subscription thrower = subscribe(Set.of(t), Cursor.EMPTY, event -> {
      calls.incrementAndGet();
      afterThrows.onEvent(event);
      throw new IllegalStateException("listener bug (expected by the test)");
    });
    Recorder other = new Recorder();
    subscribe(Set.of(t), Cursor.EMPTY, other);
    for (int i = 0; i < 5; i++) {
      bus().publish(update(t, "k", i));
    }
    assertThat(other.awaitEvents(5)).hasSize(5);
    assertThat(afterThrows.awaitEvents(5)).hasSize(5);
    assertThat(calls).hasValue(5);
    assertThat(thrower.isOpen()).isTrue();
  }

  @Test
  void aBlockingListenerStallsNeitherPublishersNorOtherSubscribers() throws Exception {
    String t = topic("orders");
    CountDownLatch blocked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      subscribe(Set.of(t), Cursor.EMPTY, event -> {
        blocked.countDown();
        try {
          release.await(timeout().toMillis() * 3, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      Recorder other = new Recorder();
      subscribe(Set.of(t), Cursor.EMPTY, other);
      bus().publish(update(t, "k", 0));
      assertThat(blocked.await(timeout().toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      for (int i = 1; i < 100; i++) {
        bus().publish(update(t, "k", i)); // returns although one listener is stuck
      }
      assertThat(other.awaitEvents(100)).hasSize(100);
      assertStrictlyIncreasing(other.events());
    } finally {
      release.countDown();
    }
  }

  // ---- close ----------------------------------------------------------------------------------

  @Test
  void aClosedSubscriptionHearsNothingMoreAndIsToldOnce() {
    String t = topic("orders");
    Recorder rec = new Recorder();
    Subscription s = subscribe(Set.of(t), Cursor.EMPTY, rec);
    int before = bus().subscriptionCount();
    bus().publish(update(t, "k", 1));
    rec.awaitEvents(1);
    s.close();
    s.close();
    assertThat(s.isOpen()).isFalse();
    assertThat(s.closeReason()).isEqualTo(CloseReason.UNSUBSCRIBED);
    assertThat(rec.awaitClosed()).isEqualTo(CloseReason.UNSUBSCRIBED);
    assertThat(bus().subscriptionCount()).isEqualTo(before - 1);
    Recorder witness = new Recorder();
    subscribe(Set.of(t), Cursor.EMPTY, witness);
    bus().publish(update(t, "k", 2));
    witness.awaitEvents(1); // delivered to the open subscription, so the closed one had its chance
    assertThat(rec.events()).hasSize(1);
    assertThat(rec.closedCount()).isEqualTo(1);
  }

  @Test
  void closingTheBusEndsEverySubscriptionAfterItsQueuedEventsAndRejectsPublishing() {
    String t = topic("orders");
    Recorder a = new Recorder();
    Recorder b = new Recorder();
    subscribe(Set.of(t), Cursor.EMPTY, a);
    subscribe(Set.of(t, topic("other")), Cursor.EMPTY, b);
    for (int i = 0; i < 10; i++) {
      bus().publish(update(t, "k", i));
    }
    bus().close();
    assertThat(a.awaitClosed()).isEqualTo(CloseReason.BUS_CLOSED);
    assertThat(b.awaitClosed()).isEqualTo(CloseReason.BUS_CLOSED);
    assertThat(a.events()).hasSize(10);
    assertThat(b.events()).hasSize(10);
    assertThat(bus().subscriptionCount()).isZero();
    assertThatThrownBy(() -> bus().publish(update(t, "k", 11))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> bus().subscribe(Set.of(t), Cursor.EMPTY, e -> {}))
        .isInstanceOf(IllegalStateException.class);
    bus().close(); // idempotent
  }

  @Test
  void subscriptionCountFollowsSubscribeAndClose() {
    int base = bus().subscriptionCount();
    Subscription s1 = subscribe(Set.of(topic("a")), Cursor.EMPTY, e -> {});
    Subscription s2 = subscribe(Set.of(topic("a"), topic("b")), Cursor.EMPTY, e -> {});
    assertThat(bus().subscriptionCount()).isEqualTo(base + 2);
    s1.close();
    assertThat(bus().subscriptionCount()).isEqualTo(base + 1);
    s2.close();
    assertThat(bus().subscriptionCount()).isEqualTo(base);
  }

  // ---- bad input ------------------------------------------------------------------------------

  @Test
  void invalidTopicsAndPositionsAreRejectedWithAClearMessage() {
    assertThatThrownBy(() -> bus().subscribe(Set.of("has space"), Cursor.EMPTY, e -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has space");
    assertThatThrownBy(() -> bus().subscribe(Set.of(), Cursor.EMPTY, e -> {}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> bus().replay("a,b", 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> bus().replay(topic("a"), -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> bus().latest("", "k")).isInstanceOf(IllegalArgumentException.class);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static void assertStrictlyIncreasing(List<ChangeEvent> events) {
    for (int i = 1; i < events.size(); i++) {
      assertThat(events.get(i).position())
          .as("position of event %d after %s", i, events.get(i - 1))
          .isGreaterThan(events.get(i - 1).position());
    }
  }

  /** Records what a listener hears, and waits for it. */
  protected final class Recorder implements RealtimeListener {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<ChangeEvent> events = new ArrayList<>();
    private final List<String> resets = new ArrayList<>();
    private @Nullable Cursor subscribed;
    private @Nullable CloseReason closed;
    private int closedCount;

    @Override
    public void onEvent(ChangeEvent event) {
      update(() -> events.add(event));
    }

    @Override
    public void onSubscribed(Cursor start) {
      update(() -> subscribed = start);
    }

    @Override
    public void onReset(String topic, long head, String reason) {
      update(() -> resets.add(topic));
    }

    @Override
    public void onClosed(CloseReason reason) {
      update(() -> {
        closed = reason;
        closedCount++;
      });
    }

    private void update(Runnable r) {
      lock.lock();
      try {
        r.run();
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    /** Waits until at least {@code n} events arrived and returns a copy of them all. */
    public List<ChangeEvent> awaitEvents(int n) {
      awaitUntil(() -> events.size() >= n, n + " events");
      return events();
    }

    /** Waits for {@code onSubscribed} and returns its cursor. */
    public Cursor awaitSubscribed() {
      awaitUntil(() -> subscribed != null, "onSubscribed");
      lock.lock();
      try {
        return java.util.Objects.requireNonNull(subscribed);
      } finally {
        lock.unlock();
      }
    }

    /** Waits for {@code onClosed} and returns its reason. */
    public CloseReason awaitClosed() {
      awaitUntil(() -> closed != null, "onClosed");
      lock.lock();
      try {
        return java.util.Objects.requireNonNull(closed);
      } finally {
        lock.unlock();
      }
    }

    /** Returns a copy of the events heard so far. */
    public List<ChangeEvent> events() {
      lock.lock();
      try {
        return List.copyOf(events);
      } finally {
        lock.unlock();
      }
    }

    /** Returns the topics reset so far. */
    public List<String> resets() {
      lock.lock();
      try {
        return List.copyOf(resets);
      } finally {
        lock.unlock();
      }
    }

    int closedCount() {
      lock.lock();
      try {
        return closedCount;
      } finally {
        lock.unlock();
      }
    }

    private void awaitUntil(java.util.function.BooleanSupplier done, String what) {
      long deadline = TimeUnit.MILLISECONDS.toNanos(timeout().toMillis());
      lock.lock();
      try {
        while (!done.getAsBoolean()) {
          if (deadline <= 0) {
            throw new AssertionError(
                "timed out after " + timeout() + " waiting for " + what + "; have " + events.size()
                    + " events, resets " + resets + ", closed " + closed);
          }
          deadline = changed.awaitNanos(deadline);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      } finally {
        lock.unlock();
      }
    }
  }
}
