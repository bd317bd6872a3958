package dev.closedloop.sync.servlet.twonode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeBus;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every shared backend must give two application nodes behind a load balancer: one key
 * split over both nodes runs its handler once, and an SSE client hears the other node's events
 * and resumes on it with exactly what it missed. A subclass starts the nodes on its backend in
 * a {@code @BeforeEach} through {@link #startNodes}, owning everything else it opens, its
 * clean-up of the shared server included, with {@link #own}; it adds its backend's own fault
 * cases.
 *
 * <p>This class is not threadsafe; JUnit creates one instance per case.
 */
public abstract class TwoNodeScenarios {
  /** Unique per case, for names on the shared server (client names, topics, keys). */
  protected final String suffix = UUID.randomUUID().toString().substring(0, 8);
  /** How often the handler ran, over both nodes. */
  protected final AtomicInteger executions = new AtomicInteger();
  protected final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private boolean started;
  protected AppNode nodeA;
  protected AppNode nodeB;
  protected RealtimeBus busA;
  protected RealtimeBus busB;

  /** Closes {@code closeable} when the case ends, after everything opened later. */
  protected final <T extends AutoCloseable> T own(T closeable) {
    started = true;
    closeables.add(0, closeable);
    return closeable;
  }

  /** Starts node A on {@code storeA} and {@code busA}, node B on the others; closes them at the end. */
  protected final void startNodes(IdempotencyStore storeA, RealtimeBus busA, IdempotencyStore storeB, RealtimeBus busB)
      throws Exception {
    this.busA = busA;
    this.busB = busB;
    nodeA = own(new AppNode("A", storeA, busA, executions));
    nodeB = own(new AppNode("B", storeB, busB, executions));
  }

  @AfterEach
  final void stopNodes() throws Exception {
    if (!started) {
      return; // skipped: no server
    }
    Exception first = null;
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** POSTs an order with {@code key} to {@code node}. */
  protected final HttpResponse<String> post(AppNode node, String key) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(node.uri("/orders")).header("Idempotency-Key", key)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"seats\":2}"))
        .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void thirtyTwoConcurrentRequestsWithOneKeySplitOverBothNodesRunTheHandlerOnce() throws Exception {
    String key = "order-" + suffix;
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      AppNode node = i % 2 == 0 ? nodeA : nodeB;
      responses.add(CompletableFuture.supplyAsync(() -> {
        try {
          go.await();
          return post(node, key);
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }, runnable -> new Thread(runnable).start()));
    }
    go.countDown();
    Set<String> bodies = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> f : responses) {
      HttpResponse<String> r = f.get();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      bodies.add(r.body());
    }
    assertThat(executions).as("handler runs over both nodes").hasValue(1);
    assertThat(bodies).as("every answer is the one response").hasSize(1);
  }

  @Test
  void sseClientOnNodeBHearsNodeAsEventsInOrderAndResumesOnNodeAWithExactlyTheMissedOnes() throws Exception {
    String topic = "orders-" + suffix;
    String lastId;
    try (SseStream onB = new SseStream(http, nodeB.uri("/realtime?topics=" + topic), "")) {
      assertThat(onB.next(1).get(0).name()).isEqualTo("subscribed");
      List<String> published = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        published.add(Cursor.of(topic, busA.publish(ChangeDraft.insert(topic, "k" + i, "{\"n\":" + i + "}"))).format());
      }
      List<SseStream.Event> heard = onB.next(5);
      assertThat(heard).extracting(SseStream.Event::id).containsExactlyElementsOf(published);
      lastId = heard.get(4).id();
    }
    List<String> missed = new ArrayList<>();
    for (int i = 5; i < 8; i++) {
      missed.add(Cursor.of(topic, busA.publish(ChangeDraft.insert(topic, "k" + i, "{\"n\":" + i + "}"))).format());
    }
    try (SseStream onA = new SseStream(http, nodeA.uri("/realtime?topics=" + topic), lastId)) {
      List<SseStream.Event> resumed = onA.next(4);
      assertThat(resumed.get(0).name()).isEqualTo("subscribed");
      assertThat(resumed.get(0).id()).isEqualTo(lastId);
      assertThat(resumed.subList(1, 4)).extracting(SseStream.Event::id).containsExactlyElementsOf(missed);
      for (int i = 0; i < 3; i++) {
        assertThat(resumed.get(1 + i).data()).startsWith("{\"topic\":\"" + topic + "\",\"type\":\"INSERT\",")
            .contains("\"key\":\"k" + (5 + i) + "\"");
      }
      long live = busB.publish(ChangeDraft.insert(topic, "k8", "{\"n\":8}"));
      assertThat(onA.next(1).get(0).id()).as("then live, with nothing repeated").isEqualTo(Cursor.of(topic, live).format());
    }
  }
}
