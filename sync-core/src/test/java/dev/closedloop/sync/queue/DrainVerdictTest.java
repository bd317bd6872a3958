package dev.closedloop.sync.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A drain whose handler returns a {@link DrainVerdict}: the queue owns the loop (order, expiry,
 * maximum attempts, settling) and tells each settlement to its listeners, then to the drain's
 * own; the same for an in-memory and a file queue.
 */
class DrainVerdictTest {
  @TempDir Path dir;
  final ManualTicker time = new ManualTicker();
  final List<String> heard = new CopyOnWriteArrayList<>();
  final List<OfflineQueue> opened = new ArrayList<>();

  /** Records every per-item event and the end of each drain, prefixed with who heard it. */
  OfflineQueueListener recorder(String who) {
    return new OfflineQueueListener() {
      @Override
      public void onAcked(QueuedItem item) {
        heard.add(who + " acked " + item.idempotencyKey());
      }

      @Override
      public void onRetryScheduled(QueuedItem item, Throwable failure) {
        heard.add(who + " retry " + item.idempotencyKey() + " attempts=" + item.attempts() + " " + failure.getMessage());
      }

      @Override
      public void onDeadLettered(QueuedItem item) {
        heard.add(who + " dead " + item.idempotencyKey() + ": " + item.lastError());
      }

      @Override
      public void onDrained(DrainSummary summary) {
        heard.add(who + " drained " + summary);
      }
    };
  }

  OfflineQueue queue(boolean file) throws IOException {
    OfflineQueueBuilder b = OfflineQueue.builder().clock(time).ticker(time).listener(recorder("queue"))
        .retryPolicy(RetryPolicy.builder().maxAttempts(2).fixedDelay(Duration.ofSeconds(10)).jitter(Jitter.none())
            .build());
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
    return Offer.of(key, key.getBytes(UTF_8));
  }

  static Function<QueuedItem, DrainVerdict> byKey(List<String> seen) {
    return item -> {
      seen.add(item.idempotencyKey());
      switch (item.idempotencyKey()) {
        case "ok":
          return DrainVerdict.done();
        case "flaky":
          return DrainVerdict.retry(new IOException("HTTP 503"));
        case "rejected":
          return DrainVerdict.dead("HTTP 422: the document is closed");
        default:
          return DrainVerdict.stop();
      }
    };
  }

  @ParameterizedTest(name = "file={0}")
  @ValueSource(booleans = {false, true})
  void eachVerdictSettlesItsItemAndTheDrainsListenerHearsEachSettlementAfterTheQueuesOwn(boolean file)
      throws IOException {
    OfflineQueue q = queue(file);
    q.offer(offer("ok"));
    QueuedItem flaky = q.offer(offer("flaky"));
    QueuedItem rejected = q.offer(offer("rejected"));
    List<String> seen = new ArrayList<>();

    DrainSummary summary = q.drain(byKey(seen), recorder("drain"));

    assertThat(summary).isEqualTo(new DrainSummary(1, 1, 1));
    assertThat(seen).containsExactly("ok", "flaky", "rejected");
    assertThat(heard).containsExactly(
        "queue acked ok", "drain acked ok",
        "queue retry flaky attempts=1 HTTP 503", "drain retry flaky attempts=1 HTTP 503",
        "queue dead rejected: HTTP 422: the document is closed", "drain dead rejected: HTTP 422: the document is closed",
        "queue drained " + summary, "drain drained " + summary);
    // a dead verdict's reason is the dead letter's reason, word for word
    assertThat(q.deadLetters()).extracting(QueuedItem::id, QueuedItem::lastError)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(rejected.id(), "HTTP 422: the document is closed"));
    assertThat(q.pending()).singleElement().satisfies(p -> {
      assertThat(p.id()).isEqualTo(flaky.id());
      assertThat(p.attempts()).isEqualTo(1);
      assertThat(p.notBefore()).isEqualTo(time.instant().plusSeconds(10));
    });
  }

  @ParameterizedTest(name = "file={0}")
  @ValueSource(booleans = {false, true})
  void stopHandsTheItemBackWithoutCountingAnAttemptAndEndsTheDrain(boolean file) throws IOException {
    OfflineQueue q = queue(file);
    q.offer(offer("ok"));
    QueuedItem offline = q.offer(offer("offline"));
    q.offer(offer("later"));
    List<String> seen = new ArrayList<>();

    DrainSummary summary = q.drain(byKey(seen), OfflineQueueListener.NONE);

    assertThat(summary).isEqualTo(new DrainSummary(1, 0, 0));
    assertThat(seen).containsExactly("ok", "offline");
    assertThat(heard).containsExactly("queue acked ok", "queue drained " + summary);
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    assertThat(q.stats().inFlight()).isZero();
    assertThat(q.pending()).extracting(QueuedItem::idempotencyKey, QueuedItem::attempts)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("offline", 0), org.assertj.core.groups.Tuple.tuple("later", 0));
    assertThat(q.poll()).contains(offline);
  }

  @Test
  void aRetryAtTheLastAttemptIsADeadLetterAndIsHeardAsOneNotAsARetry() throws IOException {
    OfflineQueue q = queue(false);
    q.offer(offer("flaky"));
    q.drain(byKey(new ArrayList<>()), recorder("drain"));
    time.advance(Duration.ofSeconds(10));
    heard.clear();

    DrainSummary summary = q.drain(byKey(new ArrayList<>()), recorder("drain"));

    assertThat(summary).isEqualTo(new DrainSummary(0, 0, 1));
    String reason = "attempts exhausted (2): java.io.IOException: HTTP 503";
    assertThat(heard).containsExactly("queue dead flaky: " + reason, "drain dead flaky: " + reason,
        "queue drained " + summary, "drain drained " + summary);
  }

  @Test
  void itemsPastTheirExpiryOrTheirAttemptsAreDeadLetteredWithoutAskingTheHandlerAndTheDrainHearsIt()
      throws IOException {
    OfflineQueue q = queue(false);
    q.offer(offer("stale").expiresAt(time.instant().plusSeconds(30)));
    q.offer(offer("ok"));
    time.advance(Duration.ofSeconds(30));
    List<String> seen = new ArrayList<>();

    DrainSummary summary = q.drain(byKey(seen), recorder("drain"));

    assertThat(seen).containsExactly("ok");
    assertThat(summary).isEqualTo(new DrainSummary(1, 0, 1));
    String reason = "expired at " + time.instant() + " after 0 attempts";
    assertThat(heard).containsExactly("queue dead stale: " + reason, "drain dead stale: " + reason,
        "queue acked ok", "drain acked ok", "queue drained " + summary, "drain drained " + summary);
  }

  @Test
  void aHandlerThatThrowsOrReturnsNullHandsTheItemBackAndTheDrainThrowsWithoutASummary() throws IOException {
    OfflineQueue q = queue(false);
    QueuedItem a = q.offer(offer("a"));
    IllegalStateException bug = new IllegalStateException("handler bug");

    assertThatThrownBy(() -> q.drain(item -> {
      throw bug;
    }, recorder("drain"))).isSameAs(bug);
    assertThatThrownBy(() -> q.drain(item -> null, recorder("drain")))
        .isInstanceOf(NullPointerException.class).hasMessage("the drain handler returned null");

    assertThat(q.stats().inFlight()).isZero();
    assertThat(q.pending()).singleElement().satisfies(p -> assertThat(p.attempts()).isZero());
    assertThat(heard).isEmpty();
    assertThat(q.poll()).contains(a);
  }

  @Test
  void aDrainListenerThatThrowsSilencesNeitherTheDrainNorTheQueuesListeners() throws IOException {
    OfflineQueue q = queue(false);
    q.offer(offer("ok"));
    q.offer(offer("ok"));
    OfflineQueueListener throwing = new OfflineQueueListener() {
      @Override
      public void onAcked(QueuedItem item) {
        throw new IllegalStateException("listener bug");
      }
    };

    assertThat(q.drain(item -> DrainVerdict.done(), throwing)).isEqualTo(new DrainSummary(2, 0, 0));
    assertThat(heard).containsExactly("queue acked ok", "queue acked ok", "queue drained " + new DrainSummary(2, 0, 0));
  }

  @Test
  void ackAndNackOutsideADrainTellTheQueuesListenersToo() throws IOException {
    OfflineQueue q = queue(false);
    q.offer(offer("a"));
    q.offer(offer("b"));
    long a = q.poll().orElseThrow().id();
    long b = q.poll().orElseThrow().id();

    assertThat(q.ack(a)).isTrue();
    assertThat(q.nack(b, new IOException("down"))).isEqualTo(NackResult.RETRY_SCHEDULED);
    assertThat(q.ack(a)).isFalse();

    assertThat(heard).containsExactly("queue acked a", "queue retry b attempts=1 down");
  }

  @Test
  void argumentsAreCheckedWithFixedMessages() throws IOException {
    OfflineQueue q = queue(false);
    assertThatThrownBy(() -> q.drain(null, OfflineQueueListener.NONE))
        .isInstanceOf(NullPointerException.class).hasMessage("handler cannot be null");
    assertThatThrownBy(() -> q.drain(item -> DrainVerdict.done(), null))
        .isInstanceOf(NullPointerException.class).hasMessage("listener cannot be null");
    assertThatThrownBy(() -> DrainVerdict.retry(null))
        .isInstanceOf(NullPointerException.class).hasMessage("cause cannot be null");
    assertThatThrownBy(() -> DrainVerdict.dead(null))
        .isInstanceOf(NullPointerException.class).hasMessage("reason cannot be null");
    assertThat(DrainVerdict.done()).hasToString("done()");
    assertThat(DrainVerdict.stop()).hasToString("stop()");
    assertThat(DrainVerdict.dead("gone")).hasToString("dead(gone)");
  }
}
