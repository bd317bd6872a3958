package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.servlet.twonode.AppNode;
import dev.closedloop.sync.servlet.twonode.SseStream;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two application nodes in one JVM, each an embedded Jetty with its own store and bus instance,
 * sharing one Redis: what a load balancer in front of them may do to a retry or a reconnect.
 */
class RedisTwoNodeTest {
  private final String prefix = RedisTestSupport.newPrefix();
  private final String suffix = UUID.randomUUID().toString().substring(0, 8);
  private final AtomicInteger executions = new AtomicInteger();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private RedisClient adminClient;
  private StatefulRedisConnection<String, String> adminConnection;
  private RedisCommands<String, String> admin;
  private RedisIdempotencyStore storeA;
  private RedisRealtimeBus busA;
  private RedisRealtimeBus busB;
  private AppNode nodeA;
  private AppNode nodeB;

  @BeforeEach
  void startNodes() throws Exception {
    String url = RedisTestSupport.url();
    adminClient = RedisClient.create(url);
    adminConnection = adminClient.connect();
    admin = adminConnection.sync();
    storeA = own(RedisIdempotencyStore.builder().uri(url).keyPrefix(prefix + "idem:")
        .clientName("cls-node-a-" + suffix).commandTimeout(Duration.ofMillis(500)).build());
    RedisIdempotencyStore storeB = own(RedisIdempotencyStore.builder().uri(url).keyPrefix(prefix + "idem:").build());
    busA = own(RedisRealtimeBus.builder().uri(url).keyPrefix(prefix + "rt:").build());
    busB = own(RedisRealtimeBus.builder().uri(url).keyPrefix(prefix + "rt:").build());
    nodeA = own(new AppNode("A", storeA, busA, executions));
    nodeB = own(new AppNode("B", storeB, busB, executions));
  }

  private <T extends AutoCloseable> T own(T closeable) {
    closeables.add(0, closeable);
    return closeable;
  }

  @AfterEach
  void stopNodes() throws Exception {
    if (adminClient == null) {
      return; // skipped: no server
    }
    try {
      unpause();
      for (AutoCloseable c : closeables) {
        c.close();
      }
      RedisTestSupport.deleteKeys(admin, prefix);
    } finally {
      adminConnection.close();
      adminClient.shutdown();
    }
  }

  private HttpResponse<String> post(AppNode node, String key) throws IOException, InterruptedException {
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
        } catch (Exception e) {
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
      List<Long> published = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        published.add(busA.publish(ChangeDraft.insert(topic, "k" + i, "{\"n\":" + i + "}")));
      }
      List<SseStream.Event> heard = onB.next(5);
      assertThat(heard).extracting(SseStream.Event::id)
          .containsExactlyElementsOf(published.stream().map(p -> Cursor.of(topic, p).format()).toList());
      assertThat(heard).extracting(SseStream.Event::data).allSatisfy(d -> assertThat(d).contains("\"type\":\"INSERT\""));
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
      assertThat(resumed.subList(1, 4)).extracting(SseStream.Event::data)
          .containsExactly(dataOf(topic, 5), dataOf(topic, 6), dataOf(topic, 7));
      long live = busB.publish(ChangeDraft.insert(topic, "k8", "{\"n\":8}"));
      assertThat(onA.next(1).get(0).id()).as("then live, with nothing repeated").isEqualTo(Cursor.of(topic, live).format());
    }
  }

  private String dataOf(String topic, int n) {
    return busA.replay(topic, 0).events().stream().filter(e -> ("k" + n).equals(e.key())).findFirst()
        .map(dev.closedloop.sync.realtime.ChangeEventJson::toJson).orElseThrow();
  }

  @Test
  void claimWhoseRedisConnectionDropsFailsWith503StoresNothingAndTheRetrySucceeds() throws Exception {
    String key = "fault-" + suffix;
    assertThat(post(nodeA, "warm-up-" + suffix).statusCode()).isEqualTo(201);
    pauseWrites(5_000);
    HttpResponse<String> failed;
    try {
      // the claim waits inside Redis (writes are paused) and its connection is dropped mid-claim;
      // the store resends it on a new connection, where it waits again until the 500 ms timeout
      CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> {
        try {
          return post(nodeA, key);
        } catch (IOException | InterruptedException e) {
          throw new CompletionException(e);
        }
      });
      String line = await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(5))
          .until(this::blockedClaimOfNodeA, Optional::isPresent).orElseThrow();
      assertThat(admin.clientKill(KillArgs.Builder.id(Long.parseLong(line.substring(3, line.indexOf(' ')))))).isOne();
      failed = inFlight.get(10, TimeUnit.SECONDS);
    } finally {
      unpause();
    }
    assertThat(failed.statusCode()).isEqualTo(503);
    assertThat(failed.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(failed.body()).contains("idempotency-store-unavailable");
    assertThat(RedisTestSupport.countKeys(admin, prefix + "idem:")).as("only the warm-up's entry").isOne();
    assertThat(executions).hasValue(1);

    HttpResponse<String> retry = post(nodeA, key);
    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(executions).hasValue(2);
    assertThat(post(nodeB, key).body()).as("replayed on the other node").isEqualTo(retry.body());
    assertThat(executions).hasValue(2);
  }

  /** Node A's store connection with a claim waiting on the pause, as a CLIENT LIST line. */
  private Optional<String> blockedClaimOfNodeA() {
    return Arrays.stream(admin.clientList().split("\n"))
        .filter(l -> l.contains(" name=cls-node-a-" + suffix + " ") && l.contains(" flags=b ") && l.contains(" cmd=set "))
        .findFirst();
  }

  private void pauseWrites(long millis) {
    admin.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
        new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(millis).add("WRITE"));
  }

  private void unpause() {
    admin.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
        new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE"));
  }
}
