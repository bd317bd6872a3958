package dev.closedloop.sync.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random operations, reopens and compactions on the file queue and on a deliberately naive model
 * (a sorted map scanned in full on every poll), which must agree after every step.
 */
class FileOfflineQueueModelTest {
  static final int STEPS = Integer.getInteger("sync.model.steps", 400);
  static final String[] SCOPES = {null, "a", "b", "c"};
  static final String[] KEYS = {"k1", "k2", "k3", "k4", "k5", "k6"};

  @TempDir Path dir;

  /** One item as the model sees it. */
  static final class M {
    long id;
    int priority;
    String scope;
    String key;
    int attempts;
    long notBefore;
    long expiresAt = QueuedItem.NO_EXPIRY;
    byte[] payload;
    String lastError;
    long enqueuedAt;
    boolean dead;
    boolean leased;
  }

  /** The model: everything computed the slow, obvious way. */
  static final class Model {
    final TreeMap<Long, M> items = new TreeMap<>();
    long nextId = 1;

    M newestLive(String key, boolean includeLeased) {
      M found = null;
      for (M m : items.values()) {
        if (!m.dead && m.key.equals(key) && (includeLeased || !m.leased)) {
          found = m;
        }
      }
      return found;
    }

    long offer(String key, byte[] payload, int priority, String scope, long notBefore, Collapse collapse, long now) {
      if (collapse == Collapse.KEEP) {
        M kept = newestLive(key, true);
        if (kept != null) {
          return kept.id;
        }
      }
      if (collapse == Collapse.REPLACE) {
        M old = newestLive(key, false);
        if (old != null) {
          items.remove(old.id);
        }
      }
      M m = new M();
      m.id = nextId++;
      m.key = key;
      m.payload = payload;
      m.priority = priority;
      m.scope = scope;
      m.notBefore = notBefore;
      m.enqueuedAt = now;
      items.put(m.id, m);
      return m.id;
    }

    M next(long now) {
      M best = null;
      for (M m : items.values()) {
        if (m.dead || m.leased || m.notBefore > now) {
          continue;
        }
        if (m.scope != null) {
          M first = null;
          for (M o : items.values()) {
            if (!o.dead && m.scope.equals(o.scope)) {
              first = o;
              break;
            }
          }
          if (first != m) {
            continue;
          }
        }
        if (best == null || m.priority > best.priority) {
          best = m;
        }
      }
      return best;
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void fileQueueAgreesWithTheModelAcrossReopens(long seed) throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    ManualTicker time = new ManualTicker();
    Durability durability = seed % 3 == 0 ? Durability.ALWAYS : Durability.OS;
    OfflineQueueBuilder builder = OfflineQueue.builder().clock(time).ticker(time).segmentBytes(4096)
        .durability(durability)
        .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofSeconds(1)).jitter(Jitter.none()).build());
    Model model = new Model();
    FileOfflineQueue q = (FileOfflineQueue) builder.open(dir);
    int reopens = 0;
    int compactions = 0;
    try {
      for (int step = 0; step < STEPS; step++) {
        int op = rnd.nextInt(100);
        String what;
        long now = time.millis();
        if (op < 30) {
          String key = KEYS[rnd.nextInt(KEYS.length)];
          byte[] payload = new byte[rnd.nextInt(300)];
          for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) rnd.nextInt();
          }
          int priority = rnd.nextInt(3);
          String scope = SCOPES[rnd.nextInt(SCOPES.length)];
          long notBefore = rnd.nextInt(4) == 0 ? now + rnd.nextInt(3000) : now;
          Collapse collapse = Collapse.values()[rnd.nextInt(3)];
          QueuedItem got = q.offer(Offer.of(key, payload).priority(priority).scope(scope)
              .notBefore(Instant.ofEpochMilli(notBefore)).collapse(collapse));
          long expected = model.offer(key, payload, priority, scope, notBefore, collapse, now);
          what = "offer " + key + " " + collapse + " -> " + expected;
          assertThat(got.id()).as(what).isEqualTo(expected);
        } else if (op < 50) {
          Optional<QueuedItem> got = q.poll();
          M expected = model.next(now);
          what = "poll -> " + (expected == null ? "none" : expected.id);
          assertThat(got.map(QueuedItem::id)).as(what).isEqualTo(Optional.ofNullable(expected == null ? null : expected.id));
          if (expected != null) {
            expected.leased = true;
          }
        } else if (op < 62) {
          M m = pickLeased(model, rnd);
          long id = m == null ? 999_999 : m.id;
          what = "ack " + id;
          assertThat(q.ack(id)).as(what).isEqualTo(m != null);
          if (m != null) {
            model.items.remove(id);
          }
        } else if (op < 72) {
          M m = pickLeased(model, rnd);
          long id = m == null ? 999_999 : m.id;
          IOException failure = new IOException("fail " + step);
          what = "nack " + id;
          NackResult r = q.nack(id, failure);
          if (m == null) {
            assertThat(r).as(what).isEqualTo(NackResult.NOT_IN_FLIGHT);
          } else {
            int attempt = m.attempts + 1;
            m.leased = false;
            m.attempts = attempt;
            if (attempt >= 3) {
              m.dead = true;
              m.lastError = "attempts exhausted (" + attempt + "): " + failure;
              assertThat(r).as(what).isEqualTo(NackResult.DEAD_LETTERED);
            } else {
              m.notBefore = now + 1000L * (1L << (attempt - 1));
              m.lastError = failure.toString();
              assertThat(r).as(what).isEqualTo(NackResult.RETRY_SCHEDULED);
            }
          }
        } else if (op < 76) {
          List<M> live = new ArrayList<>();
          model.items.values().stream().filter(x -> !x.dead).forEach(live::add);
          M m = live.isEmpty() ? null : live.get(rnd.nextInt(live.size()));
          long id = m == null ? 999_999 : m.id;
          what = "deadLetter " + id;
          assertThat(q.deadLetter(id, "reason " + step)).as(what).isEqualTo(m != null);
          if (m != null) {
            m.dead = true;
            m.leased = false;
            m.lastError = "reason " + step;
          }
        } else if (op < 80) {
          M m = pickDead(model, rnd);
          long id = m == null ? 999_999 : m.id;
          what = "requeue " + id;
          assertThat(q.requeue(id)).as(what).isEqualTo(m != null);
          if (m != null) {
            m.dead = false;
            m.attempts = 0;
            m.notBefore = now;
          }
        } else if (op < 82) {
          M m = pickDead(model, rnd);
          long id = m == null ? 999_999 : m.id;
          what = "discard " + id;
          assertThat(q.discard(id)).as(what).isEqualTo(m != null);
          if (m != null) {
            model.items.remove(id);
          }
        } else if (op < 85) {
          M m = pickLeased(model, rnd);
          long id = m == null ? 999_999 : m.id;
          what = "release " + id;
          assertThat(q.release(id)).as(what).isEqualTo(m != null);
          if (m != null) {
            m.leased = false;
          }
        } else if (op < 92) {
          long ms = rnd.nextInt(2500);
          time.advance(Duration.ofMillis(ms));
          what = "advance " + ms;
        } else if (op < 97) {
          q.close();
          q = (FileOfflineQueue) builder.open(dir);
          assertThat(q.recoveryReport().isClean()).as("reopen report " + q.recoveryReport()).isTrue();
          model.items.values().forEach(m -> m.leased = false);
          reopens++;
          what = "reopen";
        } else if (op < 99) {
          q.compact();
          compactions++;
          what = "compact";
        } else {
          q.clear();
          model.items.clear();
          what = "clear";
        }
        assertAgree(q, model, time.millis(), "seed " + seed + " step " + step + " after " + what);
      }
      q.close();
      q = (FileOfflineQueue) builder.open(dir);
      model.items.values().forEach(m -> m.leased = false);
      assertAgree(q, model, time.millis(), "seed " + seed + " final reopen");
      assertThat(reopens).isPositive();
      assertThat(compactions).isPositive();
    } finally {
      q.close();
    }
    try (var files = Files.list(dir)) {
      assertThat(files.filter(p -> p.toString().endsWith(".tmp")).count()).isZero();
    }
  }

  private static M pickLeased(Model model, SplittableRandom rnd) {
    List<M> leased = new ArrayList<>();
    model.items.values().stream().filter(m -> m.leased).forEach(leased::add);
    return leased.isEmpty() || rnd.nextInt(10) == 0 ? null : leased.get(rnd.nextInt(leased.size()));
  }

  private static M pickDead(Model model, SplittableRandom rnd) {
    List<M> dead = new ArrayList<>();
    model.items.values().stream().filter(m -> m.dead).forEach(dead::add);
    return dead.isEmpty() || rnd.nextInt(10) == 0 ? null : dead.get(rnd.nextInt(dead.size()));
  }

  private static void assertAgree(FileOfflineQueue q, Model model, long now, String context) {
    List<Entry> entries = q.entriesForTest();
    List<String> actual = new ArrayList<>();
    for (Entry e : entries) {
      actual.add(describe(e.item(), e.dead(), q.isLeasedForTest(e.id())));
    }
    List<String> expected = new ArrayList<>();
    for (Map.Entry<Long, M> me : model.items.entrySet()) {
      M m = me.getValue();
      expected.add(describe(new QueuedItem(m.id, m.priority, m.scope, m.key, m.attempts, m.notBefore,
          m.expiresAt, m.payload, m.lastError, m.enqueuedAt), m.dead, m.leased));
    }
    assertThat(actual).as(context).isEqualTo(expected);
    M next = model.next(now);
    assertThat(q.peek().map(QueuedItem::id)).as(context + " peek")
        .isEqualTo(Optional.ofNullable(next == null ? null : next.id));
    QueueStats stats = q.stats();
    assertThat(stats.deadLetters()).as(context).isEqualTo((int) model.items.values().stream().filter(m -> m.dead).count());
    assertThat(stats.inFlight()).as(context).isEqualTo((int) model.items.values().stream().filter(m -> m.leased).count());
  }

  private static String describe(QueuedItem i, boolean dead, boolean leased) {
    return i.id() + "/p" + i.priority() + "/" + i.scope() + "/" + i.idempotencyKey() + "/a" + i.attempts()
        + "/nb" + i.notBefore().toEpochMilli() + "/x" + i.expiresAt() + "/e" + Objects.toString(i.lastError())
        + "/q" + i.enqueuedAt().toEpochMilli() + "/" + Arrays.hashCode(i.payload()) + "/" + i.payloadSize()
        + (dead ? "/DEAD" : "") + (leased ? "/LEASED" : "");
  }
}
