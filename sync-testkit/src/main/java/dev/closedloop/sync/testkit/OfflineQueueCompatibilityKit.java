package dev.closedloop.sync.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.queue.Collapse;
import dev.closedloop.sync.queue.DrainSummary;
import dev.closedloop.sync.queue.NackResult;
import dev.closedloop.sync.queue.Offer;
import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.queue.OfflineQueueBuilder;
import dev.closedloop.sync.queue.OfflineQueueListener;
import dev.closedloop.sync.queue.PermanentFailureException;
import dev.closedloop.sync.queue.QueueStats;
import dev.closedloop.sync.queue.QueuedItem;
import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link OfflineQueue} must show, whatever stores it: order (priority lanes,
 * FIFO, scopes one at a time), not-before, collapse, acknowledgement, retries with the policy's
 * backoff, dead letters, statistics, drain (also from several threads at once), bad input and
 * closing. Extend it and build the queue under test from the builder it passes:
 *
 * <pre>{@code
 * class MyQueueTest extends OfflineQueueCompatibilityKit {
 *   @TempDir Path dir;
 *
 *   @Override
 *   protected OfflineQueue open(OfflineQueueBuilder builder) throws IOException {
 *     return builder.open(dir);
 *   }
 * }
 * }</pre>
 *
 * <p>The kit configures the builder with a {@link ManualTicker} ({@link #time}) as clock and
 * ticker, a retry policy of 3 attempts with a 1 s initial delay doubling each attempt and no
 * jitter, payloads of at most {@value #MAX_PAYLOAD} bytes, and a listener recording dead letters.
 * Time never passes unless a case advances it.
 *
 * <p>This class is not threadsafe: JUnit runs each case on a fresh instance.
 */
public abstract class OfflineQueueCompatibilityKit {
  /** The payload limit the kit configures. */
  protected static final int MAX_PAYLOAD = 4096;

  /** The clock and ticker of the queue under test. */
  protected final ManualTicker time = new ManualTicker();

  /** The items the queue reported as dead-lettered, in order. */
  protected final List<QueuedItem> deadLettered = new CopyOnWriteArrayList<>();

  /** The queue under test, opened before each case and closed after it. */
  protected OfflineQueue queue;

  /**
   * Builds the queue under test from {@code builder}, which the kit has configured; add only what
   * the implementation itself needs (a directory, a connection).
   */
  protected abstract OfflineQueue open(OfflineQueueBuilder builder) throws IOException;

  /** Returns a builder with the kit's settings. */
  protected OfflineQueueBuilder configuredBuilder() {
    return OfflineQueue.builder()
        .clock(time)
        .ticker(time)
        .maxPayloadBytes(MAX_PAYLOAD)
        .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofSeconds(1))
            .multiplier(2).jitter(Jitter.none()).build())
        .listener(new OfflineQueueListener() {
          @Override
          public void onDeadLettered(QueuedItem item) {
            deadLettered.add(item);
          }
        });
  }

  @BeforeEach
  void openQueue() throws IOException {
    queue = open(configuredBuilder());
  }

  @AfterEach
  void closeQueue() throws IOException {
    if (queue != null) {
      queue.close();
    }
  }

  /** UTF-8 bytes of {@code s}. */
  protected static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  private QueuedItem offer(String key, int priority, @Nullable String scope) throws IOException {
    return queue.offer(Offer.of(key, bytes("payload of " + key)).priority(priority).scope(scope));
  }

  private List<String> drainKeys() throws IOException {
    List<String> keys = new ArrayList<>();
    for (Optional<QueuedItem> i = queue.poll(); i.isPresent(); i = queue.poll()) {
      keys.add(i.get().idempotencyKey());
      queue.ack(i.get().id());
    }
    return keys;
  }

  // ---- offer and poll

  @Test
  void offeredItemIsPolledWithEveryField() throws IOException {
    Instant expiry = time.instant().plus(Duration.ofHours(1));
    QueuedItem offered = queue.offer(Offer.of("key-1", bytes("hello")).priority(3).scope("cart-42")
        .expiresAt(expiry));

    assertThat(offered.id()).isPositive();
    assertThat(offered.priority()).isEqualTo(3);
    assertThat(offered.scope()).isEqualTo("cart-42");
    assertThat(offered.idempotencyKey()).isEqualTo("key-1");
    assertThat(offered.attempts()).isZero();
    assertThat(offered.notBefore()).isEqualTo(time.instant());
    assertThat(offered.expiresAt()).isEqualTo(expiry);
    assertThat(offered.payload()).isEqualTo(bytes("hello"));
    assertThat(offered.lastError()).isNull();
    assertThat(offered.enqueuedAt()).isEqualTo(time.instant());
    assertThat(queue.poll()).contains(offered);
  }

  @Test
  void peekShowsTheNextItemWithoutLeasingIt() throws IOException {
    QueuedItem a = queue.offer("a", bytes("A"));
    assertThat(queue.peek()).contains(a);
    assertThat(queue.peek()).contains(a);
    assertThat(queue.stats().inFlight()).isZero();
    assertThat(queue.poll()).contains(a);
    assertThat(queue.peek()).isEmpty();
    assertThat(queue.poll()).isEmpty();
  }

  @Test
  void higherLanesAreServedFirstAndFifoWithinALane() throws IOException {
    offer("a", 0, null);
    offer("b", 2, null);
    offer("c", 1, null);
    offer("d", 2, null);
    offer("e", 0, null);
    assertThat(drainKeys()).containsExactly("b", "d", "c", "a", "e");
  }

  @Test
  void itemsOfOneScopeRunOneAtATimeInOfferOrderAcrossLanes() throws IOException {
    QueuedItem x = offer("x", 0, "s");
    QueuedItem y = offer("y", 5, "s"); // higher lane, but behind x in its scope
    QueuedItem z = offer("z", 1, null);

    assertThat(queue.poll()).contains(z);
    assertThat(queue.poll()).contains(x);
    assertThat(queue.poll()).as("y waits while x is in flight").isEmpty();
    queue.ack(x.id());
    assertThat(queue.poll()).contains(y);
  }

  @Test
  void aScopeWhoseHeadWaitsForItsBackoffBlocksTheRestOfTheScope() throws IOException {
    QueuedItem a = offer("a", 0, "s");
    QueuedItem b = offer("b", 0, "s");
    QueuedItem other = offer("other", 0, "t");
    assertThat(queue.poll()).contains(a);
    assertThat(queue.release(a.id())).isTrue();
    assertThat(queue.poll()).as("released: a is the head again").contains(a);
    assertThat(queue.nack(a.id(), new IOException("offline"))).isEqualTo(NackResult.RETRY_SCHEDULED);

    assertThat(queue.poll()).as("another scope is not blocked").contains(other);
    assertThat(queue.poll()).as("b must not overtake a").isEmpty();
    time.advance(Duration.ofSeconds(1));
    assertThat(queue.poll().map(QueuedItem::id)).contains(a.id());
    queue.ack(a.id());
    assertThat(queue.poll()).contains(b);
  }

  @Test
  void notBeforeIsRespected() throws IOException {
    QueuedItem later = queue.offer(Offer.of("later", bytes("L")).notBefore(time.instant().plusSeconds(5)));
    QueuedItem now = queue.offer("now", bytes("N"));
    assertThat(queue.poll()).contains(now);
    assertThat(queue.poll()).isEmpty();
    time.advance(Duration.ofMillis(4999));
    assertThat(queue.peek()).isEmpty();
    time.advance(Duration.ofMillis(1));
    assertThat(queue.poll()).contains(later);
  }

  // ---- settling

  @Test
  void ackRemovesOnlyAnItemInFlight() throws IOException {
    QueuedItem a = queue.offer("a", bytes("A"));
    assertThat(queue.ack(a.id())).as("not in flight yet").isFalse();
    queue.poll();
    assertThat(queue.ack(a.id())).isTrue();
    assertThat(queue.ack(a.id())).isFalse();
    assertThat(queue.stats().pending()).isZero();
    assertThat(queue.poll()).isEmpty();
  }

  @Test
  void nackSchedulesTheNextAttemptWithThePolicysBackoffThenDeadLetters() throws IOException {
    QueuedItem a = queue.offer("a", bytes("A"));
    Instant start = time.instant();

    queue.poll();
    assertThat(queue.nack(a.id(), new IOException("connection refused"))).isEqualTo(NackResult.RETRY_SCHEDULED);
    QueuedItem first = queue.peek().orElse(null);
    assertThat(first).as("not due for 1 s").isNull();
    time.advance(Duration.ofSeconds(1));
    QueuedItem retried = queue.poll().orElseThrow();
    assertThat(retried.attempts()).isEqualTo(1);
    assertThat(retried.notBefore()).isEqualTo(start.plusSeconds(1));
    assertThat(retried.lastError()).isEqualTo("java.io.IOException: connection refused");

    assertThat(queue.nack(a.id(), new IOException("timeout"))).isEqualTo(NackResult.RETRY_SCHEDULED);
    time.advance(Duration.ofMillis(1999));
    assertThat(queue.poll()).as("second backoff is 2 s").isEmpty();
    time.advance(Duration.ofMillis(1));
    assertThat(queue.poll().orElseThrow().attempts()).isEqualTo(2);

    assertThat(queue.nack(a.id(), new IOException("still down"))).isEqualTo(NackResult.DEAD_LETTERED);
    assertThat(queue.deadLetters()).singleElement().satisfies(d -> {
      assertThat(d.id()).isEqualTo(a.id());
      assertThat(d.attempts()).isEqualTo(3);
      assertThat(d.lastError()).contains("attempts exhausted").contains("still down");
    });
    assertThat(deadLettered).extracting(QueuedItem::id).containsExactly(a.id());
    assertThat(queue.stats().pending()).isZero();
  }

  @Test
  void nackWithAPermanentFailureDeadLettersAtOnce() throws IOException {
    QueuedItem a = queue.offer("a", bytes("A"));
    queue.poll();
    assertThat(queue.nack(a.id(), new PermanentFailureException("400 Bad Request")))
        .isEqualTo(NackResult.DEAD_LETTERED);
    assertThat(queue.deadLetters()).singleElement()
        .satisfies(d -> assertThat(d.lastError()).contains("permanent failure").contains("400 Bad Request"));
  }

  @Test
  void deadLettersCanBeListedRequeuedAndDiscarded() throws IOException {
    QueuedItem a = queue.offer(Offer.of("a", bytes("A")).scope("s"));
    QueuedItem b = queue.offer(Offer.of("b", bytes("B")).scope("s"));
    assertThat(queue.deadLetter(a.id(), "rejected by the operator")).isTrue();
    assertThat(queue.deadLetter(a.id(), "twice")).isFalse();
    assertThat(queue.deadLetters()).extracting(QueuedItem::id, QueuedItem::lastError)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(a.id(), "rejected by the operator"));
    assertThat(queue.stats().deadLetters()).isEqualTo(1);
    assertThat(queue.peek()).as("a dead letter leaves its scope").contains(b);

    time.advance(Duration.ofMinutes(1));
    assertThat(queue.requeue(a.id())).isTrue();
    assertThat(queue.deadLetters()).isEmpty();
    QueuedItem back = queue.poll().orElseThrow();
    assertThat(back.id()).as("requeued items keep their place").isEqualTo(a.id());
    assertThat(back.attempts()).isZero();
    assertThat(back.notBefore()).isEqualTo(time.instant());

    assertThat(queue.deadLetter(a.id(), "again")).as("in flight items can be dead-lettered").isTrue();
    assertThat(queue.ack(a.id())).as("no longer in flight").isFalse();
    assertThat(queue.discard(a.id())).isTrue();
    assertThat(queue.discard(a.id())).isFalse();
    assertThat(queue.requeue(a.id())).isFalse();
    assertThat(queue.deadLetters()).isEmpty();
    assertThat(drainKeys()).containsExactly("b");
  }

  // ---- collapse

  @Test
  void collapseKeepReturnsTheItemAlreadyQueued() throws IOException {
    QueuedItem first = queue.offer("k", bytes("v1"));
    QueuedItem kept = queue.offer(Offer.of("k", bytes("v2")).collapse(Collapse.KEEP));
    assertThat(kept).isEqualTo(first);
    assertThat(queue.stats().waiting()).isEqualTo(1);
    queue.poll();
    assertThat(queue.offer(Offer.of("k", bytes("v3")).collapse(Collapse.KEEP)))
        .as("an item in flight counts as queued").isEqualTo(first);
    assertThat(queue.stats().pending()).isEqualTo(1);
  }

  @Test
  void collapseReplaceSwapsTheWaitingItemAtomically() throws IOException {
    QueuedItem first = queue.offer(Offer.of("k", bytes("v1")).priority(1));
    QueuedItem other = queue.offer(Offer.of("other", bytes("o")).priority(1));
    QueuedItem replaced = queue.offer(Offer.of("k", bytes("v2")).priority(1).collapse(Collapse.REPLACE));
    assertThat(replaced.id()).isNotEqualTo(first.id());
    assertThat(replaced.payload()).isEqualTo(bytes("v2"));
    assertThat(queue.stats().waiting()).isEqualTo(2);
    assertThat(queue.poll()).contains(other);
    queue.ack(other.id());
    assertThat(queue.poll()).contains(replaced);

    QueuedItem third = queue.offer(Offer.of("k", bytes("v3")).collapse(Collapse.REPLACE));
    assertThat(queue.stats().pending()).as("an item in flight cannot be recalled").isEqualTo(2);
    assertThat(queue.ack(replaced.id())).isTrue();
    assertThat(queue.poll()).contains(third);
  }

  @Test
  void deadLettersNeverCollapse() throws IOException {
    QueuedItem dead = queue.offer("k", bytes("v1"));
    queue.deadLetter(dead.id(), "gone");
    QueuedItem fresh = queue.offer(Offer.of("k", bytes("v2")).collapse(Collapse.KEEP));
    assertThat(fresh.id()).isNotEqualTo(dead.id());
    QueuedItem replaced = queue.offer(Offer.of("k", bytes("v3")).collapse(Collapse.REPLACE));
    assertThat(queue.deadLetters()).extracting(QueuedItem::id).containsExactly(dead.id());
    assertThat(queue.poll()).contains(replaced);
  }

  // ---- stats and clear

  @Test
  void statsCountLanesInFlightDeadLettersAndTheOldestAge() throws IOException {
    assertThat(queue.stats()).isEqualTo(new QueueStats(Collections.emptySortedMap(), 0, 0, 0, Duration.ZERO));
    QueuedItem old = offer("old", 0, null);
    time.advance(Duration.ofSeconds(10));
    offer("a", 2, null);
    offer("b", 2, null);
    QueuedItem dead = offer("dead", 1, null);
    queue.deadLetter(dead.id(), "no");
    time.advance(Duration.ofSeconds(5));
    queue.poll(); // a: in flight

    QueueStats stats = queue.stats();
    assertThat(stats.depthByPriority()).containsExactly(Map.entry(2, 1), Map.entry(0, 1));
    assertThat(stats.waiting()).isEqualTo(2);
    assertThat(stats.inFlight()).isEqualTo(1);
    assertThat(stats.pending()).isEqualTo(3);
    assertThat(stats.deadLetters()).isEqualTo(1);
    assertThat(stats.oldestAge()).isEqualTo(Duration.ofSeconds(15));
    assertThat(old.enqueuedAt()).isEqualTo(time.instant().minusSeconds(15));
  }

  @Test
  void clearRemovesEverythingAndLaterSettlementsReportNotInFlight() throws IOException {
    QueuedItem a = queue.offer("a", bytes("A"));
    QueuedItem b = queue.offer("b", bytes("B"));
    QueuedItem c = queue.offer("c", bytes("C"));
    queue.poll();
    queue.deadLetter(c.id(), "x");
    queue.clear();
    assertThat(queue.stats()).isEqualTo(new QueueStats(Collections.emptySortedMap(), 0, 0, 0, Duration.ZERO));
    assertThat(queue.ack(a.id())).isFalse();
    assertThat(queue.nack(a.id(), new IOException("x"))).isEqualTo(NackResult.NOT_IN_FLIGHT);
    assertThat(queue.release(b.id())).isFalse();
    assertThat(queue.deadLetters()).isEmpty();
    assertThat(queue.offer("d", bytes("D")).id()).as("ids are never reused").isGreaterThan(c.id());
  }

  @Test
  void unknownIdsAreHarmless() throws IOException {
    assertThat(queue.ack(42)).isFalse();
    assertThat(queue.nack(42, new IOException("x"))).isEqualTo(NackResult.NOT_IN_FLIGHT);
    assertThat(queue.release(42)).isFalse();
    assertThat(queue.deadLetter(42, "x")).isFalse();
    assertThat(queue.requeue(42)).isFalse();
    assertThat(queue.discard(42)).isFalse();
  }

  // ---- drain

  @Test
  void drainAcksSuccessesRetriesFailuresAndDeadLettersPermanentFailures() throws IOException {
    queue.offer("ok", bytes("1"));
    QueuedItem flaky = queue.offer("flaky", bytes("2"));
    QueuedItem rejected = queue.offer("rejected", bytes("3"));
    List<String> seen = new ArrayList<>();

    DrainSummary summary = queue.drain(item -> {
      seen.add(item.idempotencyKey());
      if (item.idempotencyKey().equals("flaky")) {
        throw new IOException("503");
      }
      if (item.idempotencyKey().equals("rejected")) {
        throw new PermanentFailureException("422 Unprocessable");
      }
    });

    assertThat(seen).containsExactly("ok", "flaky", "rejected");
    assertThat(summary).isEqualTo(new DrainSummary(1, 1, 1));
    assertThat(queue.deadLetters()).extracting(QueuedItem::id).containsExactly(rejected.id());
    assertThat(queue.stats().waiting()).isEqualTo(1);
    assertThat(queue.drain(item -> {})).as("flaky is not due yet").isEqualTo(new DrainSummary(0, 0, 0));
    time.advance(Duration.ofSeconds(1));
    assertThat(queue.drain(item -> assertThat(item.id()).isEqualTo(flaky.id())))
        .isEqualTo(new DrainSummary(1, 0, 0));
    assertThat(queue.stats().pending()).isZero();
  }

  @Test
  void drainDeadLettersItemsPastMaxAttempts() throws IOException {
    queue.offer("doomed", bytes("x"));
    AtomicInteger runs = new AtomicInteger();
    for (int i = 0; i < 3; i++) {
      queue.drain(item -> {
        runs.incrementAndGet();
        throw new IOException("down");
      });
      time.advance(Duration.ofMinutes(1));
    }
    assertThat(runs).hasValue(3);
    assertThat(queue.deadLetters()).singleElement().satisfies(d -> assertThat(d.attempts()).isEqualTo(3));
    assertThat(deadLettered).hasSize(1);
  }

  @Test
  void drainDeadLettersExpiredItemsWithoutRunningThem() throws IOException {
    queue.offer(Offer.of("stale", bytes("x")).expiresAt(time.instant().plusSeconds(30)));
    queue.offer(Offer.of("fresh", bytes("y")).expiresAt(time.instant().plusSeconds(90)));
    time.advance(Duration.ofSeconds(30));
    List<String> ran = new ArrayList<>();
    DrainSummary summary = queue.drain(item -> ran.add(item.idempotencyKey()));
    assertThat(ran).containsExactly("fresh");
    assertThat(summary).isEqualTo(new DrainSummary(1, 0, 1));
    assertThat(queue.deadLetters()).singleElement()
        .satisfies(d -> assertThat(d.lastError()).startsWith("expired"));
  }

  @Test
  void drainHandsTheItemBackWhenTheHandlerIsInterrupted() throws IOException {
    QueuedItem a = queue.offer("a", bytes("A"));
    queue.offer("b", bytes("B"));
    try {
      DrainSummary summary = queue.drain(item -> {
        throw new InterruptedException("shutting down");
      });
      assertThat(summary.total()).isZero();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(queue.stats().inFlight()).isZero();
    assertThat(queue.poll()).contains(a);
  }

  @Test
  void drainFromSeveralThreadsNeverRunsAScopeTwiceAtOnceAndRunsEachItemOnce() throws Exception {
    int scopes = 4;
    int perScope = 15;
    int unscoped = 10;
    for (int i = 0; i < perScope; i++) {
      for (int s = 0; s < scopes; s++) {
        queue.offer(Offer.of("s" + s + "-" + i, bytes("x")).scope("s" + s).priority(i % 3));
      }
    }
    for (int i = 0; i < unscoped; i++) {
      queue.offer(Offer.of("u" + i, bytes("x")).priority(i % 2));
    }
    Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    Map<String, List<Long>> order = new ConcurrentHashMap<>();
    Set<Long> handled = ConcurrentHashMap.newKeySet();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger duplicates = new AtomicInteger();
    int threads = 4;
    CountDownLatch start = new CountDownLatch(1);
    List<DrainSummary> summaries = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        try {
          start.await();
          summaries.add(queue.drain(item -> {
            if (!handled.add(item.id())) {
              duplicates.incrementAndGet();
            }
            String scope = item.scope();
            if (scope != null) {
              if (running.computeIfAbsent(scope, s -> new AtomicInteger()).incrementAndGet() > 1) {
                overlaps.incrementAndGet();
              }
              order.computeIfAbsent(scope, s -> Collections.synchronizedList(new ArrayList<>())).add(item.id());
              Thread.yield();
              running.get(scope).decrementAndGet();
            }
          }));
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      w.start();
      workers.add(w);
    }
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    assertThat(errors).isEmpty();
    assertThat(overlaps).hasValue(0);
    assertThat(duplicates).hasValue(0);
    assertThat(handled).hasSize(scopes * perScope + unscoped);
    assertThat(summaries.stream().mapToInt(DrainSummary::succeeded).sum()).isEqualTo(scopes * perScope + unscoped);
    for (List<Long> ids : order.values()) {
      assertThat(ids).hasSize(perScope).isSorted();
    }
    assertThat(queue.stats().pending()).isZero();
  }

  // ---- concurrency, bad input, close

  @Test
  void concurrentOffersAllLandWithDistinctIds() throws Exception {
    int threads = 8;
    int perThread = 25;
    CountDownLatch start = new CountDownLatch(1);
    Set<Long> ids = ConcurrentHashMap.newKeySet();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int tt = t;
      Thread w = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < perThread; i++) {
            ids.add(queue.offer(Offer.of("t" + tt + "-" + i, bytes("x")).scope("t" + tt)).id());
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      w.start();
      workers.add(w);
    }
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    assertThat(errors).isEmpty();
    assertThat(ids).hasSize(threads * perThread);
    assertThat(queue.stats().waiting()).isEqualTo(threads * perThread);
  }

  @Test
  void badInputIsRejectedWithAClearMessageAndNothingIsQueued() {
    assertThatThrownBy(() -> queue.offer("k", new byte[MAX_PAYLOAD + 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("payload is " + (MAX_PAYLOAD + 1) + " bytes, over the maximum of " + MAX_PAYLOAD + " bytes");
    assertThatThrownBy(() -> Offer.of("k", bytes("x")).priority(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("priority must not be negative: -1");
    assertThatThrownBy(() -> Offer.of(null, bytes("x")))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("idempotencyKey cannot be null");
    assertThatThrownBy(() -> Offer.of("", bytes("x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("idempotencyKey must not be empty");
    assertThatThrownBy(() -> Offer.of("k", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("payload cannot be null");
    assertThatThrownBy(() -> queue.offer(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("offer cannot be null");
    assertThatThrownBy(() -> queue.nack(1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("failure cannot be null");
    assertThatThrownBy(() -> queue.deadLetter(1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("reason cannot be null");
    assertThatThrownBy(() -> queue.drain(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("handler cannot be null");
    assertThat(queue.stats().pending()).isZero();
    assertThat(queue.peek()).isEmpty();
  }

  @Test
  void aClosedQueueRejectsEveryOperationAndCloseIsIdempotent() throws IOException {
    queue.offer("a", bytes("A"));
    queue.close();
    queue.close();
    assertThatThrownBy(() -> queue.offer("b", bytes("B")))
        .isInstanceOf(IllegalStateException.class).hasMessage("offline queue is closed");
    assertThatThrownBy(queue::poll).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(queue::peek).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(queue::stats).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> queue.ack(1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(queue::clear).isInstanceOf(IllegalStateException.class);
  }
}
