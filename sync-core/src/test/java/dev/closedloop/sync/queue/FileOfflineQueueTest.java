package dev.closedloop.sync.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileOfflineQueueTest {
  @TempDir Path dir;
  final ManualTicker time = new ManualTicker();
  final List<OfflineQueue> opened = new ArrayList<>();

  OfflineQueueBuilder builder() {
    return OfflineQueue.builder().clock(time).ticker(time)
        .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofSeconds(1)).jitter(Jitter.none()).build());
  }

  FileOfflineQueue open(OfflineQueueBuilder b) throws IOException {
    FileOfflineQueue q = (FileOfflineQueue) b.open(dir);
    opened.add(q);
    return q;
  }

  FileOfflineQueue open() throws IOException {
    return open(builder());
  }

  @AfterEach
  void closeAll() throws IOException {
    for (OfflineQueue q : opened) {
      q.close();
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void reopenedQueueHoldsWaitingItemsDeadLettersAndAttempts() throws IOException {
    FileOfflineQueue q = open();
    QueuedItem a = q.offer(Offer.of("a", bytes("A")).priority(2).scope("s"));
    QueuedItem b = q.offer(Offer.of("b", bytes("B")).expiresAt(time.instant().plusSeconds(60)));
    QueuedItem c = q.offer("c", bytes("C"));
    assertThat(q.poll()).contains(a);
    assertThat(q.nack(a.id(), new IOException("offline"))).isEqualTo(NackResult.RETRY_SCHEDULED);
    assertThat(q.deadLetter(c.id(), "bad request")).isTrue();
    List<Entry> before = q.entriesForTest();
    q.close();

    FileOfflineQueue r = open();
    assertThat(r.entriesForTest()).isEqualTo(before);
    assertThat(r.recoveryReport().isClean()).isTrue();
    assertThat(r.recoveryReport().waiting()).isEqualTo(2);
    assertThat(r.recoveryReport().deadLetters()).isEqualTo(1);
    QueuedItem reloadedA = r.entriesForTest().get(0).item();
    assertThat(reloadedA.attempts()).isEqualTo(1);
    assertThat(reloadedA.lastError()).contains("offline");
    assertThat(reloadedA.notBefore()).isEqualTo(time.instant().plusSeconds(1));
    assertThat(r.deadLetters()).extracting(QueuedItem::lastError).containsExactly("bad request");
    assertThat(r.poll()).contains(b);
  }

  @Test
  void pendingListsWaitingBackingOffAndInFlightItemsButNotDeadOrAckedOnes() throws IOException {
    FileOfflineQueue q = open();
    QueuedItem a = q.offer(Offer.of("a", bytes("A")).priority(2));
    QueuedItem b = q.offer("b", bytes("B"));
    QueuedItem c = q.offer("c", bytes("C"));
    QueuedItem d = q.offer("d", bytes("D"));
    QueuedItem e = q.offer("e", bytes("E"));
    assertThat(q.poll()).contains(a); // in flight
    assertThat(q.poll()).contains(b);
    assertThat(q.nack(b.id(), new IOException("offline"))).isEqualTo(NackResult.RETRY_SCHEDULED);
    assertThat(q.deadLetter(c.id(), "bad")).isTrue();
    assertThat(q.poll()).contains(d);
    assertThat(q.ack(d.id())).isTrue();

    assertThat(q.pending()).extracting(QueuedItem::idempotencyKey).containsExactly("a", "b", "e");
    assertThat(q.pending().get(1).attempts()).isEqualTo(1);
    q.close();
    assertThat(open().pending()).extracting(QueuedItem::id).containsExactly(a.id(), b.id(), e.id());
  }

  @Test
  void pendingOfAnInMemoryQueueFollowsOffersAndAcks() throws IOException {
    OfflineQueue q = builder().buildInMemory();
    assertThat(q.pending()).isEmpty();
    QueuedItem a = q.offer("a", bytes("A"));
    QueuedItem b = q.offer("b", bytes("B"));
    assertThat(q.poll()).contains(a);
    assertThat(q.ack(a.id())).isTrue();
    assertThat(q.pending()).containsExactly(b);
    q.close();
    assertThatThrownBy(q::pending).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void itemsInFlightWhenTheQueueClosesAreWaitingAgainAfterReopen() throws IOException {
    FileOfflineQueue q = open();
    QueuedItem a = q.offer("a", bytes("A"));
    assertThat(q.poll()).contains(a);
    q.close();

    FileOfflineQueue r = open();
    assertThat(r.stats().inFlight()).isZero();
    assertThat(r.poll()).contains(a);
  }

  @Test
  void ackedItemsStayAckedAfterReopenAndIdsKeepGrowing() throws IOException {
    FileOfflineQueue q = open();
    QueuedItem a = q.offer("a", bytes("A"));
    QueuedItem b = q.offer("b", bytes("B"));
    q.poll();
    assertThat(q.ack(a.id())).isTrue();
    q.close();

    FileOfflineQueue r = open();
    assertThat(r.entriesForTest()).extracting(Entry::item).containsExactly(b);
    assertThat(r.offer("c", bytes("C")).id()).isGreaterThan(b.id());
  }

  @Test
  void secondOpenerOfTheSameDirectoryGetsAClearError() throws IOException {
    open();
    assertThatThrownBy(() -> builder().open(dir))
        .isInstanceOf(OfflineQueueLockedException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("already open")
        .satisfies(e -> assertThat(((OfflineQueueLockedException) e).directory()).isEqualTo(dir));
  }

  @Test
  void directoryCanBeReopenedOnceTheOwnerCloses() throws IOException {
    FileOfflineQueue q = open();
    q.offer("a", bytes("A"));
    q.close();
    q.close();
    assertThat(open().stats().waiting()).isEqualTo(1);
  }

  @Test
  void operationsOnAClosedQueueFail() throws IOException {
    FileOfflineQueue q = open();
    q.close();
    assertThatThrownBy(() -> q.offer("a", bytes("A"))).isInstanceOf(IllegalStateException.class)
        .hasMessage("offline queue is closed");
    assertThatThrownBy(q::poll).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void compactionReplacesSegmentsWithASnapshotOfLiveItems() throws IOException {
    FileOfflineQueue q = open(builder().segmentBytes(4096));
    List<QueuedItem> kept = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      QueuedItem item = q.offer(Offer.of("k" + i, new byte[100]).scope(i % 10 == 0 ? null : "s" + (i % 3)));
      if (i % 10 == 0) {
        kept.add(item);
      }
    }
    for (int i = 0; i < 200; i++) {
      QueuedItem item = q.poll().orElseThrow();
      if (item.idempotencyKey().equals("k0")) {
        q.deadLetter(item.id(), "kept as a dead letter");
      } else if (kept.contains(item)) {
        q.release(item.id());
      } else {
        q.ack(item.id());
      }
    }
    long segmentsBefore = files(".seg");
    assertThat(segmentsBefore).isGreaterThan(3);
    List<Entry> before = q.entriesForTest();
    q.compact();
    assertThat(files(".snap")).isEqualTo(1);
    assertThat(files(".seg")).isEqualTo(1);
    QueuedItem after = q.offer("after", bytes("X"));
    q.close();

    FileOfflineQueue r = open(builder().segmentBytes(4096));
    assertThat(r.recoveryReport().isClean()).isTrue();
    List<Entry> expected = new ArrayList<>(before);
    assertThat(r.entriesForTest().subList(0, expected.size()))
        .extracting(Entry::item).isEqualTo(expected.stream().map(Entry::item).collect(Collectors.toList()));
    assertThat(r.entriesForTest().get(expected.size()).item()).isEqualTo(after);
    assertThat(r.deadLetters()).extracting(QueuedItem::idempotencyKey).containsExactly("k0");
  }

  @Test
  void compactionRunsByItselfWhenMostOfTheLogIsDead() throws IOException {
    FileOfflineQueue q = open(builder().segmentBytes(8192).durability(Durability.OS));
    for (int i = 0; i < 300; i++) {
      QueuedItem item = q.offer("k" + i, new byte[64]);
      q.poll();
      q.ack(item.id());
    }
    QueuedItem last = q.offer("last", bytes("L"));
    long totalBytes;
    try (Stream<Path> s = Files.list(dir)) {
      totalBytes = s.mapToLong(p -> p.toFile().length()).sum();
    }
    assertThat(totalBytes).isLessThan(4 * 8192);
    q.close();
    FileOfflineQueue r = open(builder().segmentBytes(8192));
    assertThat(r.entriesForTest()).extracting(Entry::item).containsExactly(last);
  }

  @Test
  void everyDurabilityModeKeepsWhatWasOfferedAcrossACleanClose() throws IOException {
    for (Durability d : List.of(Durability.ALWAYS, Durability.OS, Durability.group(4, Duration.ofMillis(5)))) {
      Path sub = dir.resolve(d.mode().name());
      try (OfflineQueue q = builder().durability(d).open(sub)) {
        for (int i = 0; i < 10; i++) {
          q.offer("k" + i, bytes("v" + i));
        }
      }
      try (OfflineQueue q = builder().durability(d).open(sub)) {
        assertThat(q.stats().waiting()).as(d.toString()).isEqualTo(10);
      }
    }
  }

  @Test
  void concurrentOffersAllLandAndSurviveReopen() throws Exception {
    FileOfflineQueue q = open();
    int threads = 8;
    int perThread = 50;
    CountDownLatch start = new CountDownLatch(1);
    Set<Long> ids = ConcurrentHashMap.newKeySet();
    List<Thread> workers = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int tt = t;
      Thread w = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < perThread; i++) {
            ids.add(q.offer(Offer.of("t" + tt + "-" + i, new byte[256]).scope("t" + tt)).id());
          }
        } catch (Throwable e) {
          synchronized (errors) {
            errors.add(e);
          }
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
    q.close();
    FileOfflineQueue r = open();
    assertThat(r.stats().waiting()).isEqualTo(threads * perThread);
    // per scope, items come back in the order each producer offered them
    List<Entry> entries = r.entriesForTest();
    for (int t = 0; t < threads; t++) {
      String scope = "t" + t;
      List<String> keys = entries.stream().filter(e -> scope.equals(e.item().scope()))
          .map(e -> e.item().idempotencyKey()).collect(Collectors.toList());
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < perThread; i++) {
        expected.add(scope + "-" + i);
      }
      assertThat(keys).isEqualTo(expected);
    }
  }

  @Test
  void recoveryReportGoesToListenersBeforeOpenReturns() throws IOException {
    open().close();
    List<RecoveryReport> reports = new ArrayList<>();
    open(builder().listener(new OfflineQueueListener() {
      @Override
      public void onRecovered(RecoveryReport report) {
        reports.add(report);
      }
    }).listener(new OfflineQueueListener() {
      @Override
      public void onRecovered(RecoveryReport report) {
        throw new IllegalStateException("a broken listener");
      }
    }));
    assertThat(reports).hasSize(1);
    assertThat(reports.get(0).directory()).isEqualTo(dir);
  }

  private long files(String suffix) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix)).count();
    }
  }
}
