package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.testing.GatedApp;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 1, on Redis: the store is paused ({@code CLIENT PAUSE ... ALL}, on a {@code
 * redis-server} of this test's own) while the handler's response is being stored, longer than
 * the command timeout; and a handler runs twice as long as its lease. Each time the handler runs
 * exactly once, whatever the retries.
 */
class RedisCompletionFaultTest {
  private static final Duration LEASE = Duration.ofSeconds(3);

  private OwnRedisServer redis;
  private RedisIdempotencyStore store;
  private GatedApp app;
  private final String prefix = RedisTestSupport.newPrefix();

  @BeforeEach
  void start() throws Exception {
    redis = OwnRedisServer.start();
    store = RedisIdempotencyStore.builder().uri(redis.url()).keyPrefix(prefix)
        .commandTimeout(Duration.ofSeconds(1)).build();
    app = GatedApp.start(IdempotencyFilter.builder().store(store).lease(LEASE).build());
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
    if (store != null) {
      store.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private String entry(String key) {
    return redis.admin().get(prefix + "9:anonymous" + key);
  }

  @Test
  void redisPausedWhileTheResponseIsStoredRunsTheHandlerOnce() throws Exception {
    CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> post("k-pause"));
    await().atMost(Duration.ofSeconds(10)).until(() -> app.executions() == 1);
    assertThat(entry("k-pause")).startsWith("p:");

    redis.pauseAll(2500); // the completion times out (1 s) and is retried until Redis answers again
    app.open();
    HttpResponse<String> answer = first.get(30, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(201);

    // the lease (3 s) is over by now or soon: the key is either stored or free again
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      String e = entry("k-pause");
      return e == null || e.startsWith("c:");
    });
    HttpResponse<String> retry = post("k-pause");
    assertThat(retry.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(retry.body()).isEqualTo(answer.body());
    assertThat(app.executions()).as("executions").isEqualTo(1);
  }

  @Test
  void handlerTwiceAsSlowAsTheLeaseRunsOnce() throws Exception {
    CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> post("k-slow"));
    await().atMost(Duration.ofSeconds(10)).until(() -> app.executions() == 1);
    long claimedAt = System.nanoTime();
    // retries keep coming while the handler runs for twice its lease; none may run it again
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          HttpResponse<String> r = post("k-slow");
          assertThat(r.statusCode()).as("a retry while the handler runs").isEqualTo(409);
          return System.nanoTime() - claimedAt > 2 * LEASE.toNanos();
        });
    app.open();
    HttpResponse<String> answer = first.get(30, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(201);
    HttpResponse<String> replay = post("k-slow");
    assertThat(replay.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(app.executions()).as("executions").isEqualTo(1);
  }

  private HttpResponse<String> post(String key) {
    try {
      return app.post(key);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
