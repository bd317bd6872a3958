package dev.closedloop.sync.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that really fills up: the queue lives on a 256 KiB tmpfs mounted for the test ({@code
 * mount -t tmpfs -o size=256k}, which needs root or CAP_SYS_ADMIN; the test is skipped where
 * mounting is not permitted). Eight producers offer until the file system refuses; every offer
 * that returned is recovered after reopening, byte for byte, nothing else is, the journal is clean
 * (no torn or skipped record), and once the file system has room again the same queue takes
 * offers.
 */
class FileOfflineQueueDiskFullTest {
  static final int PRODUCERS = 8;

  @TempDir Path tmp;
  Path mount;
  final List<OfflineQueue> opened = new ArrayList<>();

  @BeforeEach
  void mountSmallTmpfs() throws Exception {
    mount = tmp.resolve("small");
    Files.createDirectories(mount);
    Run r = run("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", mount.toString());
    assumeTrue(r.code == 0, "mounting a tmpfs is not permitted here: " + r.output);
  }

  @AfterEach
  void unmount() throws Exception {
    for (OfflineQueue q : opened) {
      q.close();
    }
    if (mount != null) {
      run("umount", mount.toString());
    }
  }

  record Run(int code, String output) {}

  static Run run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Run(-1, "timed out");
    }
    return new Run(p.exitValue(), out);
  }

  FileOfflineQueue open() throws IOException {
    FileOfflineQueue q = (FileOfflineQueue) OfflineQueue.builder().durability(Durability.ALWAYS).open(mount.resolve("q"));
    opened.add(q);
    return q;
  }

  static byte[] payload(String key) {
    byte[] p = new byte[1000];
    new SplittableRandom(key.hashCode()).nextBytes(p);
    return p;
  }

  @Test
  void aFullDiskFailsOffersClearlyAndTheReopenedQueueHoldsEveryAcknowledgedItem() throws Exception {
    FileOfflineQueue q = open();
    Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
    List<IOException> failures = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS);
    try {
      List<Future<IOException>> done = new ArrayList<>();
      for (int t = 0; t < PRODUCERS; t++) {
        int producer = t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; ; i++) {
            String key = "p" + producer + "-" + i;
            byte[] payload = payload(key);
            try {
              q.offer(key, payload);
            } catch (IOException e) {
              return e; // this producer stops at its first failure
            }
            acknowledged.put(key, payload);
          }
        }));
      }
      start.countDown();
      for (Future<IOException> f : done) {
        failures.add(f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }

    // ~256 KiB of 1 KiB items: the disk filled up after a couple of hundred offers.
    assertThat(acknowledged.size()).isBetween(50, 256);
    for (IOException e : failures) {
      assertThat(e).hasMessageContaining(mount.resolve("q").toString())
          .hasMessageContaining("the disk is full")
          .hasMessageContaining("none of them is stored")
          .hasRootCauseMessage("No space left on device");
    }
    // Still usable, not broken: a further offer fails the same clear way, reads work.
    assertThatThrownBy(() -> q.offer("late", payload("late"))).isInstanceOf(IOException.class)
        .hasMessageContaining("the disk is full")
        .hasMessageNotContaining("refuses writes");
    assertThat(q.pending()).hasSize(acknowledged.size());
    assertThat(q.peek()).isPresent();
    q.close();

    FileOfflineQueue r = open(); // on the same full disk
    assertThat(r.recoveryReport().isClean()).as(r.recoveryReport().toString()).isTrue();
    Map<String, byte[]> recovered = new TreeMap<>();
    for (QueuedItem item : r.pending()) {
      assertThat(recovered.put(item.idempotencyKey(), item.payload())).as("held twice").isNull();
    }
    assertThat(recovered.keySet()).containsExactlyInAnyOrderElementsOf(acknowledged.keySet());
    recovered.forEach((k, v) -> assertThat(v).as(k).isEqualTo(acknowledged.get(k)));

    // Room again (the file system grows): the same queue takes offers, and keeps them.
    assertThat(run("mount", "-o", "remount,size=1m", mount.toString()).code).isZero();
    QueuedItem more = r.offer("after-remount", payload("after-remount"));
    r.close();
    FileOfflineQueue s = open();
    assertThat(s.pending()).hasSize(acknowledged.size() + 1);
    assertThat(s.pending().get(s.pending().size() - 1)).isEqualTo(more);
    assertThat(s.recoveryReport().isClean()).isTrue();
  }
}
