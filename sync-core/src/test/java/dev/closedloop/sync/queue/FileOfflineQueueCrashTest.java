package dev.closedloop.sync.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real crashes: a child JVM ({@link CrashChild}) offers and acks at full speed with {@link
 * Durability#ALWAYS} and is killed with SIGKILL at a random moment, round after round, on the
 * same directory. After each kill the reopened queue holds every item whose offer had returned and
 * that was not acked, holds no item twice, and acked items stay acked.
 *
 * <p>Rounds: {@code -Dsync.crash.rounds=N} (default 50).
 */
class FileOfflineQueueCrashTest {
  static final int ROUNDS = Integer.getInteger("sync.crash.rounds", 50);

  @TempDir Path dir;
  @TempDir Path logs;

  @Test
  void reopenedQueueHoldsEveryReturnedOfferAndNoAckedItemAfterSigkill() throws Exception {
    Path queueDir = dir.resolve("queue");
    SplittableRandom rnd = new SplittableRandom(Long.getLong("sync.crash.seed", 20261125L));
    Map<Long, String> durable = new HashMap<>(); // id -> key of every item known to be in the queue
    Set<Long> acked = new HashSet<>();
    Set<String> everOffered = new HashSet<>();
    long totalOffers = 0;
    long totalAcks = 0;
    for (int round = 0; round < ROUNDS; round++) {
      int killAfter = 10 + rnd.nextInt(400);
      Path stderr = logs.resolve("child-" + round + ".err");
      Process child = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m",
              "-cp", classPath(),
              CrashChild.class.getName(), queueDir.toString(), Integer.toString(round))
          .redirectError(stderr.toFile())
          .start();
      CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() -> child.toHandle().destroyForcibly(),
          CompletableFuture.delayedExecutor(30, TimeUnit.SECONDS));
      List<String> lines = new ArrayList<>();
      boolean ready = false;
      int counted = 0;
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          if (line.equals("READY")) {
            ready = true;
            if (round == 0) {
              // another process owns the directory: a clear error, nothing touched
              assertThatThrownBy(() -> OfflineQueue.builder().open(queueDir))
                  .isInstanceOf(OfflineQueueLockedException.class)
                  .hasMessageContaining(queueDir.toString());
            }
            continue;
          }
          lines.add(line);
          if (++counted == killAfter) {
            // SIGKILL on Linux: no shutdown hook, no close. Through the handle, because
            // Process.destroyForcibly() also closes our end of the pipe, and the lines the child
            // wrote before it died must still be read.
            child.toHandle().destroyForcibly();
          }
        }
      } finally {
        watchdog.cancel(false);
        child.destroyForcibly();
        child.waitFor();
      }
      assertThat(ready).as("child of round %d started; stderr: %s", round, Files.readString(stderr)).isTrue();
      assertThat(counted).as("round %d: the child was killed by the test, not by a failure; stderr: %s",
          round, Files.readString(stderr)).isGreaterThanOrEqualTo(killAfter);

      Map<Long, String> offered = new HashMap<>();
      Set<Long> ackIntent = new HashSet<>();
      Set<Long> ackedNow = new HashSet<>();
      for (String line : lines) {
        String[] f = line.split(" ");
        switch (f[0]) {
          case "O":
            offered.put(Long.parseLong(f[1]), f[2]);
            everOffered.add(f[2]);
            break;
          case "a":
            ackIntent.add(Long.parseLong(f[1]));
            break;
          case "A":
            ackedNow.add(Long.parseLong(f[1]));
            break;
          default:
            throw new AssertionError("unexpected child output: " + line);
        }
      }
      totalOffers += offered.size();
      totalAcks += ackedNow.size();

      try (FileOfflineQueue q = (FileOfflineQueue) OfflineQueue.builder().open(queueDir)) {
        Map<Long, String> present = new HashMap<>();
        Set<String> keys = new HashSet<>();
        for (Entry e : q.entriesForTest()) {
          assertThat(e.dead()).isFalse();
          assertThat(present.put(e.id(), e.item().idempotencyKey())).as("id %d twice", e.id()).isNull();
          assertThat(keys.add(e.item().idempotencyKey())).as("key %s twice", e.item().idempotencyKey()).isTrue();
        }
        String context = "round " + round + " (killed after " + killAfter + " lines): " + q.recoveryReport();
        for (Map.Entry<Long, String> o : offered.entrySet()) {
          if (!ackIntent.contains(o.getKey())) {
            assertThat(present).as(context + " lost a returned offer").containsEntry(o.getKey(), o.getValue());
          }
        }
        for (Map.Entry<Long, String> d : durable.entrySet()) {
          if (!ackIntent.contains(d.getKey())) {
            assertThat(present).as(context + " lost an earlier item").containsEntry(d.getKey(), d.getValue());
          }
        }
        acked.addAll(ackedNow);
        for (long id : acked) {
          assertThat(present).as(context + " resurrected acked item").doesNotContainKey(id);
        }
        for (String key : present.values()) {
          assertThat(key).as(context).matches("r\\d+-t\\d-\\d+");
        }
        assertThat(q.recoveryReport().problems()).as(context)
            .allMatch(p -> p.kind() == RecoveryReport.Kind.TORN_TAIL);
        durable.clear();
        durable.putAll(present);
      }
    }
    assertThat(totalOffers).isGreaterThan(ROUNDS * 5L);
    assertThat(totalAcks).isPositive();
    assertThat(everOffered).hasSizeGreaterThanOrEqualTo((int) totalOffers);
    assertThat(new File(queueDir.toString()).list()).isNotEmpty();
  }

  /**
   * The child's class path: this JVM's module path (sync-core's own classes, tests patched in, run
   * as the named module) and class path, so that the child runs them all from the class path.
   */
  private static String classPath() {
    return Stream.of(System.getProperty("jdk.module.path"), System.getProperty("java.class.path"))
        .filter(p -> p != null && !p.isEmpty()).collect(Collectors.joining(File.pathSeparator));
  }
}
