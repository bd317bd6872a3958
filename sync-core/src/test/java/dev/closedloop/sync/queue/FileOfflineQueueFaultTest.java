package dev.closedloop.sync.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disk full and I/O errors during operations: the operation fails, the queue stays consistent and usable. */
class FileOfflineQueueFaultTest {
  @TempDir Path dir;
  final ManualTicker time = new ManualTicker();
  final FaultInjectingChannel.Faults faults = new FaultInjectingChannel.Faults();
  final List<OfflineQueue> opened = new ArrayList<>();

  FileOfflineQueue open(ChannelFactory channels) throws IOException {
    FileOfflineQueue q = (FileOfflineQueue) OfflineQueue.builder().clock(time).ticker(time)
        .channelFactory(channels).maxPayloadBytes(1024).open(dir);
    opened.add(q);
    return q;
  }

  @AfterEach
  void closeAll() throws IOException {
    faults.clear();
    for (OfflineQueue q : opened) {
      q.close();
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  static List<String> keys(FileOfflineQueue q) {
    List<String> keys = new ArrayList<>();
    for (Entry e : q.entriesForTest()) {
      keys.add(e.item().idempotencyKey());
    }
    return keys;
  }

  @Test
  void diskFullDuringOfferFailsTheOfferAndTheQueueStaysUsable() throws IOException {
    FileOfflineQueue q = open(faults);
    q.offer("a", bytes("A"));
    q.offer("b", bytes("B"));
    faults.diskFullAfter(10); // a torn, partial record reaches the file, then ENOSPC

    assertThatThrownBy(() -> q.offer("c", bytes("C")))
        .isInstanceOf(IOException.class)
        .hasRootCauseMessage("No space left on device");
    assertThat(keys(q)).containsExactly("a", "b");
    assertThat(q.stats().waiting()).isEqualTo(2);

    faults.clear();
    q.offer("d", bytes("D"));
    assertThat(q.poll().orElseThrow().idempotencyKey()).isEqualTo("a");
    q.close();

    FileOfflineQueue r = open(ChannelFactory.DEFAULT);
    assertThat(keys(r)).containsExactly("a", "b", "d");
    assertThat(r.recoveryReport().isClean()).as(r.recoveryReport().toString()).isTrue();
  }

  @Test
  void failedFsyncFailsTheOfferAndItsRecordIsGoneFromDisk() throws IOException {
    FileOfflineQueue q = open(faults);
    q.offer("a", bytes("A"));
    faults.failForce.set(true);
    assertThatThrownBy(() -> q.offer("b", bytes("B")))
        .isInstanceOf(IOException.class)
        .hasRootCauseMessage("Input/output error (injected fsync failure)");
    faults.clear();
    assertThat(keys(q)).containsExactly("a");
    q.close();

    FileOfflineQueue r = open(ChannelFactory.DEFAULT);
    assertThat(keys(r)).containsExactly("a");
  }

  @Test
  void failedAckLeavesTheItemWaitingAgainAndItCanBeAckedLater() throws IOException {
    FileOfflineQueue q = open(faults);
    QueuedItem a = q.offer(Offer.of("a", bytes("A")).scope("s"));
    q.offer(Offer.of("b", bytes("B")).scope("s"));
    assertThat(q.poll()).contains(a);
    faults.diskFullAfter(0);
    assertThatThrownBy(() -> q.ack(a.id())).isInstanceOf(IOException.class);
    assertThat(q.stats().inFlight()).isZero();
    assertThat(q.stats().waiting()).isEqualTo(2);

    faults.clear();
    assertThat(q.poll()).contains(a); // still the head of its scope
    assertThat(q.ack(a.id())).isTrue();
    assertThat(q.poll().orElseThrow().idempotencyKey()).isEqualTo("b");
    q.close();
    assertThat(keys(open(ChannelFactory.DEFAULT))).containsExactly("b");
  }

  @Test
  void failedNackLeavesTheItemUnchanged() throws IOException {
    FileOfflineQueue q = open(faults);
    QueuedItem a = q.offer("a", bytes("A"));
    q.poll();
    faults.diskFullAfter(0);
    assertThatThrownBy(() -> q.nack(a.id(), new IOException("offline"))).isInstanceOf(IOException.class);
    faults.clear();
    assertThat(q.entriesForTest()).extracting(Entry::item).containsExactly(a);
    assertThat(q.peek()).contains(a);
  }

  @Test
  void whenTheFileCannotBeCleanedUpTheQueueRefusesWritesUntilReopened() throws IOException {
    FileOfflineQueue q = open(faults);
    q.offer("a", bytes("A"));
    faults.diskFullAfter(10);
    faults.failTruncate.set(true);
    assertThatThrownBy(() -> q.offer("b", bytes("B"))).isInstanceOf(IOException.class);
    faults.writeBudget.set(-1); // the disk has room again, but the torn bytes could not be truncated
    assertThatThrownBy(() -> q.offer("c", bytes("C")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("refuses writes")
        .hasMessageContaining("reopen");
    assertThat(q.poll().orElseThrow().idempotencyKey()).isEqualTo("a"); // reads still work
    q.close(); // cannot truncate either: the torn record stays on disk
    faults.clear();

    FileOfflineQueue r = open(ChannelFactory.DEFAULT);
    assertThat(keys(r)).containsExactly("a");
    assertThat(r.recoveryReport().problems()).extracting(RecoveryReport.Problem::kind)
        .containsExactly(RecoveryReport.Kind.TORN_TAIL);
  }

  @Test
  void failedCompactionLeavesTheLogIntact() throws IOException {
    FileOfflineQueue q = open(faults);
    q.offer("a", bytes("A"));
    QueuedItem b = q.offer("b", bytes("B"));
    q.poll();
    q.ack(1);
    faults.target = p -> p.getFileName().toString().endsWith(".tmp");
    faults.diskFullAfter(5);
    assertThatThrownBy(q::compact).isInstanceOf(IOException.class);
    faults.clear();
    QueuedItem c = q.offer("c", bytes("C"));
    q.close();
    FileOfflineQueue r = open(ChannelFactory.DEFAULT);
    assertThat(r.entriesForTest()).extracting(Entry::item).containsExactly(b, c);
    assertThat(r.recoveryReport().isClean()).isTrue();
  }

  @Test
  void anItemIsNotHandedOutBeforeItsOfferIsDurable() throws Exception {
    FileOfflineQueue q = open(faults);
    java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
    faults.forceGate = gate;
    java.util.concurrent.CompletableFuture<QueuedItem> offer = new java.util.concurrent.CompletableFuture<>();
    Thread producer = new Thread(() -> {
      try {
        offer.complete(q.offer("a", bytes("A")));
      } catch (Throwable e) {
        offer.completeExceptionally(e);
      }
    });
    producer.start();
    try {
      faults.forceEntered.await(); // the record is written, its fsync is under way
      assertThat(offer).isNotDone();
      assertThat(q.peek()).isEmpty();
      assertThat(q.poll()).isEmpty();
      assertThat(q.stats().waiting()).as("counted, but not handed out").isEqualTo(1);
    } finally {
      faults.forceGate = null;
      gate.countDown();
      producer.join();
    }
    assertThat(q.poll()).contains(offer.get());
  }

  @Test
  void rejectedInputWritesNothing() throws IOException {
    FileOfflineQueue q = open(faults);
    int writesBefore = faults.writes.get();
    assertThatThrownBy(() -> q.offer("big", new byte[1025]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("payload is 1025 bytes, over the maximum of 1024 bytes");
    assertThatThrownBy(() -> q.offer(Offer.of("k", bytes("x")).priority(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("priority must not be negative: -1");
    assertThatThrownBy(() -> q.offer(null, bytes("x")))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("idempotencyKey cannot be null");
    assertThatThrownBy(() -> q.offer("k", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("payload cannot be null");
    assertThatThrownBy(() -> q.offer((Offer) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("offer cannot be null");
    assertThat(faults.writes.get()).isEqualTo(writesBefore);
    assertThat(q.stats().pending()).isZero();
    q.close();
    assertThat(open(ChannelFactory.DEFAULT).recoveryReport().recordsRead()).isZero();
  }
}
