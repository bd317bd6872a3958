package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.servlet.twonode.TwoNodeScenarios;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two application nodes in one JVM, each an embedded Jetty with its own store and bus instance,
 * sharing one Redis: the scenarios every shared backend passes (from {@link TwoNodeScenarios}),
 * and the store's connection dropped mid-claim.
 */
class RedisTwoNodeTest extends TwoNodeScenarios {
  private final String prefix = RedisTestSupport.newPrefix();
  private RedisCommands<String, String> admin;

  @BeforeEach
  void startNodes() throws Exception {
    String url = RedisTestSupport.url();
    RedisClient adminClient = RedisClient.create(url);
    own(adminClient::shutdown);
    StatefulRedisConnection<String, String> adminConnection = own(adminClient.connect());
    admin = adminConnection.sync();
    own(() -> RedisTestSupport.deleteKeys(admin, prefix)); // once the nodes are closed
    RedisIdempotencyStore storeA = own(RedisIdempotencyStore.builder().uri(url).keyPrefix(prefix + "idem:")
        .clientName("cls-node-a-" + suffix).commandTimeout(Duration.ofMillis(500)).build());
    RedisIdempotencyStore storeB = own(RedisIdempotencyStore.builder().uri(url).keyPrefix(prefix + "idem:").build());
    startNodes(storeA, own(RedisRealtimeBus.builder().uri(url).keyPrefix(prefix + "rt:").build()),
        storeB, own(RedisRealtimeBus.builder().uri(url).keyPrefix(prefix + "rt:").build()));
  }

  @AfterEach
  void unpauseBeforeTheNodesClose() {
    if (admin != null) {
      RedisTestSupport.unpause(admin); // a failed fault case must not leave Redis paused for the rest of the suite
    }
  }

  @Test
  void claimWhoseRedisConnectionDropsFailsWith503StoresNothingAndTheRetrySucceeds() throws Exception {
    String key = "fault-" + suffix;
    assertThat(post(nodeA, "warm-up-" + suffix).statusCode()).isEqualTo(201);
    RedisTestSupport.pauseWrites(admin, 5_000);
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
      RedisTestSupport.unpause(admin);
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
}
