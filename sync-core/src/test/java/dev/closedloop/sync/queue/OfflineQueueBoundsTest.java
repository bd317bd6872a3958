package dev.closedloop.sync.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.SyncException;
import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The queue's bounds on items and bytes ({@link OfflineQueueBuilder#maxItems}, {@link
 * OfflineQueueBuilder#maxBytes}): a full queue refuses offers with {@link
 * OfflineQueueFullException}, tells its listeners, writes nothing and keeps every item it holds;
 * the same for an in-memory and a file queue, and exactly at the bound under concurrent producers.
 */
class OfflineQueueBoundsTest {
  static final int PAYLOAD = 400;
  /** The record size of an item with a 6-character key, no scope, no error and a 400-byte payload. */
  static final int ITEM_BYTES = RecordCodec.HEADER + 61 + 6 + PAYLOAD;

  @TempDir Path dir;
  final ManualTicker time = new ManualTicker();
  final ConcurrentLinkedQueue<String> refusedKeys = new ConcurrentLinkedQueue<>();
  final List<OfflineQueue> opened = new ArrayList<>();
  final OfflineQueueListener listener = new OfflineQueueListener() {
    @Override
    public void onOfferRefused(Offer offer, OfflineQueueFullException reason) {
      refusedKeys.add(offer.idempotencyKey());
    }
  };

  OfflineQueueBuilder builder() {
    return OfflineQueue.builder().clock(time).ticker(time).listener(listener);
  }

  OfflineQueue queue(boolean file, OfflineQueueBuilder b) throws IOException {
    OfflineQueue q = file ? b.open(dir) : b.buildInMemory();
    opened.add(q);
    return q;
  }

  @AfterEach
  void closeAll() throws IOException {
    for (OfflineQueue q : opened) {
      q.close();
    }
  }

  static Offer offer(String key) {
    return offer(key, PAYLOAD);
  }

  static Offer offer(String key, int payloadBytes) {
    byte[] payload = new byte[payloadBytes];
    byte[] k = key.getBytes(UTF_8);
    System.arraycopy(k, 0, payload, 0, Math.min(k.length, payloadBytes));
    return Offer.of(key, payload);
  }

  static List<String> keys(OfflineQueue q) {
    return q.pending().stream().map(QueuedItem::idempotencyKey).collect(Collectors.toList());
  }

  @ParameterizedTest(name = "file queue: {0}")
  @ValueSource(booleans = {false, true})
  void aFullQueueRefusesTheOfferAndKeepsEverythingItHolds(boolean file) throws IOException {
    OfflineQueue q = queue(file, builder().maxItems(3));
    QueuedItem a = q.offer(offer("k00001"));
    q.offer(offer("k00002"));
    q.offer(offer("k00003"));

    assertThatThrownBy(() -> q.offer(offer("k00004")))
        .isInstanceOf(OfflineQueueFullException.class)
        .isInstanceOf(SyncException.class)
        .hasMessage("offline queue is full (3 of 3 items, " + 3 * ITEM_BYTES + " of " + (128L << 20)
            + " bytes): an item of " + ITEM_BYTES + " bytes would pass its maximum of 3 items; the offer was refused"
            + " and nothing was written. Drain the queue or discard dead letters to make room.")
        .satisfies(e -> {
          OfflineQueueFullException full = (OfflineQueueFullException) e;
          assertThat(full.items()).isEqualTo(3);
          assertThat(full.bytes()).isEqualTo(3L * ITEM_BYTES);
          assertThat(full.maxItems()).isEqualTo(3);
          assertThat(full.maxBytes()).isEqualTo(128L << 20);
          assertThat(full.offerBytes()).isEqualTo(ITEM_BYTES);
          assertThat(full.getStackTrace()).isEmpty();
        });
    assertThat(refusedKeys).containsExactly("k00004");
    assertThat(keys(q)).containsExactly("k00001", "k00002", "k00003");
    assertThat(q.stats().waiting()).isEqualTo(3);

    // Dead letters count too: the queue keeps them until they are discarded.
    assertThat(q.poll()).contains(a);
    assertThat(q.deadLetter(a.id(), "operator")).isTrue();
    assertThatThrownBy(() -> q.offer(offer("k00005"))).isInstanceOf(OfflineQueueFullException.class);
    assertThat(q.discard(a.id())).isTrue();
    QueuedItem e = q.offer(offer("k00005"));
    assertThat(keys(q)).containsExactly("k00002", "k00003", "k00005");

    // Acknowledging makes room the same way.
    assertThat(q.poll().orElseThrow().idempotencyKey()).isEqualTo("k00002");
    assertThatThrownBy(() -> q.offer(offer("k00006"))).isInstanceOf(OfflineQueueFullException.class);
    assertThat(q.ack(q.pending().get(0).id())).isTrue();
    q.offer(offer("k00006"));
    assertThat(keys(q)).containsExactly("k00003", "k00005", "k00006");
    assertThat(refusedKeys).containsExactly("k00004", "k00005", "k00006");
    assertThat(q.pending().get(1)).isEqualTo(e);
  }

  @ParameterizedTest(name = "file queue: {0}")
  @ValueSource(booleans = {false, true})
  void theByteBoundCountsEachItemsRecordAndAdmitsAnItemThatEndsExactlyAtIt(boolean file) throws IOException {
    OfflineQueue q = queue(file, builder().maxBytes(3L * ITEM_BYTES + ITEM_BYTES - 1));
    for (int i = 1; i <= 3; i++) {
      q.offer(offer("k0000" + i));
    }
    assertThatThrownBy(() -> q.offer(offer("k00004")))
        .isInstanceOf(OfflineQueueFullException.class)
        .hasMessageContaining("would pass its maximum of " + (4L * ITEM_BYTES - 1) + " bytes")
        .satisfies(e -> assertThat(((OfflineQueueFullException) e).bytes()).isEqualTo(3L * ITEM_BYTES));
    q.offer(offer("k00005", PAYLOAD - 1)); // one byte smaller: ends exactly at the bound
    assertThatThrownBy(() -> q.offer(offer("k00006", 0))).isInstanceOf(OfflineQueueFullException.class);
    assertThat(keys(q)).containsExactly("k00001", "k00002", "k00003", "k00005");
    assertThat(refusedKeys).containsExactly("k00004", "k00006");
  }

  @ParameterizedTest(name = "file queue: {0}")
  @ValueSource(booleans = {false, true})
  void replacingCountsTheItemItRemovesAndKeepingIsNeverRefused(boolean file) throws IOException {
    OfflineQueue q = queue(file, builder().maxItems(2).maxBytes(2L * ITEM_BYTES + 50));
    q.offer(offer("k00001"));
    q.offer(offer("k00002"));
    QueuedItem replaced = q.offer(offer("k00001", PAYLOAD + 50).collapse(Collapse.REPLACE)); // 50 bytes larger: fits
    QueuedItem kept = q.offer(offer("k00002").collapse(Collapse.KEEP));
    assertThat(kept.idempotencyKey()).isEqualTo("k00002");
    assertThatThrownBy(() -> q.offer(offer("k00001", PAYLOAD + 51).collapse(Collapse.REPLACE)))
        .isInstanceOf(OfflineQueueFullException.class)
        .hasMessageContaining("bytes would pass its maximum of " + (2L * ITEM_BYTES + 50) + " bytes");
    assertThatThrownBy(() -> q.offer(offer("k00003"))).isInstanceOf(OfflineQueueFullException.class)
        .hasMessageContaining("its maximum of 2 items");
    assertThat(q.pending()).extracting(QueuedItem::idempotencyKey, QueuedItem::payloadSize)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("k00002", PAYLOAD), org.assertj.core.groups.Tuple.tuple("k00001", PAYLOAD + 50));
    assertThat(q.pending()).contains(replaced);
  }

  @Test
  void aRefusedOfferWritesNoByteAndTheReopenedQueueHoldsExactlyTheAcceptedItems() throws IOException {
    OfflineQueue q = queue(true, builder().maxItems(5));
    for (int i = 1; i <= 5; i++) {
      q.offer(offer("k0000" + i));
    }
    Map<Path, byte[]> before = files();
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> q.offer(offer("refuse"))).isInstanceOf(OfflineQueueFullException.class);
    }
    assertThat(files()).containsOnlyKeys(before.keySet());
    before.forEach((path, bytes) -> assertThat(readAll(path)).as(path.toString()).isEqualTo(bytes));
    q.close();

    OfflineQueue r = queue(true, builder().maxItems(5));
    assertThat(keys(r)).containsExactly("k00001", "k00002", "k00003", "k00004", "k00005");
    assertThat(((FileOfflineQueue) r).recoveryReport().isClean()).isTrue();
  }

  @Test
  void aQueueReopenedWithSmallerBoundsLosesNothingAndRefusesUntilItIsBelowThem() throws IOException {
    OfflineQueue q = queue(true, builder());
    for (int i = 1; i <= 5; i++) {
      q.offer(offer("k0000" + i));
    }
    q.close();

    OfflineQueue r = queue(true, builder().maxItems(3));
    assertThat(keys(r)).containsExactly("k00001", "k00002", "k00003", "k00004", "k00005");
    assertThatThrownBy(() -> r.offer(offer("k00006"))).isInstanceOf(OfflineQueueFullException.class)
        .hasMessageContaining("(5 of 3 items");
    for (int i = 0; i < 3; i++) {
      assertThat(r.ack(r.poll().orElseThrow().id())).isTrue();
      if (i < 2) {
        assertThatThrownBy(() -> r.offer(offer("k00006"))).isInstanceOf(OfflineQueueFullException.class);
      }
    }
    r.offer(offer("k00006"));
    assertThat(keys(r)).containsExactly("k00004", "k00005", "k00006");
  }

  @ParameterizedTest(name = "bound on bytes: {0}")
  @ValueSource(booleans = {false, true})
  void concurrentProducersFillTheQueueToExactlyItsBound(boolean byBytes) throws Exception {
    int threads = 16;
    int perThread = 25;
    int max = 150;
    OfflineQueueBuilder b = byBytes ? builder().maxBytes((long) max * ITEM_BYTES + ITEM_BYTES - 1) : builder().maxItems(max);
    OfflineQueue q = queue(true, b);
    Set<String> accepted = ConcurrentHashMap.newKeySet();
    AtomicInteger refused = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            String key = String.format("t%02d%03d", thread, i);
            try {
              assertThat(q.offer(offer(key)).idempotencyKey()).isEqualTo(key);
              accepted.add(key);
            } catch (OfflineQueueFullException e) {
              refused.incrementAndGet();
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(accepted).hasSize(max);
    assertThat(refused.get()).isEqualTo(threads * perThread - max);
    assertThat(refusedKeys).hasSize(threads * perThread - max).doesNotContainAnyElementsOf(accepted);
    assertThat(q.stats().waiting()).isEqualTo(max);
    List<QueuedItem> before = q.pending();
    q.close();

    OfflineQueue r = queue(true, b);
    assertThat(keys(r)).containsExactlyInAnyOrderElementsOf(accepted);
    assertThat(r.pending()).isEqualTo(before);
    assertThatThrownBy(() -> r.offer(offer("x00001"))).isInstanceOf(OfflineQueueFullException.class);
  }

  private Map<Path, byte[]> files() {
    try (Stream<Path> s = Files.list(dir)) {
      Map<Path, byte[]> out = new TreeMap<>();
      s.filter(p -> !p.getFileName().toString().equals(FileOfflineQueue.LOCK_FILE))
          .forEach(p -> out.put(p, readAll(p)));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] readAll(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
