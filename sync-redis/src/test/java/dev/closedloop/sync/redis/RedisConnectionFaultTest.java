package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The store's connection is dropped by the server ({@code CLIENT KILL}) before, during and after
 * a claim, on both transports: the store's own connections (built from a URI) and a Lettuce
 * connection (built on a client). To hold a claim in flight on the server deterministically, the test pauses writes
 * ({@code CLIENT PAUSE ... WRITE}, at most a few seconds, always undone): the claim script then
 * waits inside Redis, unexecuted, until the pause ends or its connection dies.
 */
class RedisConnectionFaultTest {
  private final String prefix = RedisTestSupport.newPrefix();
  private final String clientName = "cls-fault-" + UUID.randomUUID().toString().substring(0, 8);
  private final IdempotencyKey key = IdempotencyKey.of("fault", "k-1");
  private RedisClient adminClient;
  private StatefulRedisConnection<String, String> adminConnection;
  private RedisCommands<String, String> admin;
  private RedisIdempotencyStore store;

  @BeforeEach
  void connect() {
    String url = RedisTestSupport.url();
    adminClient = RedisClient.create(url);
    adminConnection = adminClient.connect();
    admin = adminConnection.sync();
  }

  @AfterEach
  void close() {
    if (adminClient == null) {
      return; // skipped: no server
    }
    try {
      RedisTestSupport.unpause(admin);
      if (store != null) {
        store.close();
      }
      RedisTestSupport.deleteKeys(admin, prefix);
    } finally {
      adminConnection.close();
      adminClient.shutdown();
    }
  }

  enum Transport { OWN, LETTUCE }

  private RedisIdempotencyStore store(Transport transport, Duration commandTimeout) {
    RedisIdempotencyStoreBuilder b = RedisIdempotencyStore.builder();
    if (transport == Transport.OWN) {
      b.uri(RedisTestSupport.url());
    } else {
      b.client(adminClient);
    }
    store = b.keyPrefix(prefix).clientName(clientName).commandTimeout(commandTimeout).build();
    assertThat(store.toString()).contains(transport == Transport.OWN ? "own connections" : "lettuce");
    return store;
  }

  private String redisKey() {
    return prefix + key.storageKey();
  }

  /** Returns the store's connection as the server sees it: a CLIENT LIST line, if connected. */
  private Optional<String> storeClient() {
    return Arrays.stream(admin.clientList().split("\n"))
        .filter(line -> line.contains(" name=" + clientName + " "))
        .findFirst();
  }

  private static long idOf(String clientLine) {
    return Long.parseLong(clientLine.substring(3, clientLine.indexOf(' ')));
  }

  private void killStoreConnection() {
    String line = storeClient().orElseThrow(() -> new AssertionError("store connection not found"));
    assertThat(admin.clientKill(KillArgs.Builder.id(idOf(line)))).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void claimThatTimesOutAndLosesItsConnectionFailsCleanlyStoresNothingAndTheRetrySucceeds(Transport transport) {
    IdempotencyStore store = store(transport, Duration.ofMillis(300));
    assertThat(store.claim(IdempotencyKey.of("fault", "warm-up"), "fp", Duration.ofSeconds(30)))
        .isInstanceOf(ClaimResult.Claimed.class);

    RedisTestSupport.pauseWrites(admin, 5000);
    try {
      assertThatThrownBy(() -> store.claim(key, "fp", Duration.ofSeconds(30)))
          .isInstanceOf(RedisStoreException.class)
          .hasMessageContaining("could not claim " + redisKey())
          .hasCauseInstanceOf(RedisCommandTimeoutException.class);
      if (transport == Transport.LETTUCE) {
        // the claim is still waiting inside Redis; dropping the connection discards it
        killStoreConnection();
      } else {
        // the store closed the connection of the claim that timed out itself, discarding it
        await().atMost(Duration.ofSeconds(4)).until(() -> storeClient().isEmpty());
      }
    } finally {
      RedisTestSupport.unpause(admin);
    }

    assertThat(admin.exists(redisKey())).as("nothing stored half-way").isZero();
    ClaimResult retry = store.claim(key, "fp", Duration.ofSeconds(30));
    assertThat(retry).isInstanceOf(ClaimResult.Claimed.class);
    assertThat(admin.get(redisKey())).startsWith("p:").endsWith(((ClaimResult.Claimed) retry).token() + "fp");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void claimInFlightWhenItsConnectionDropsIsResentAfterTheReconnectAndAnswersClaimedOnce(Transport transport)
      throws Exception {
    IdempotencyStore store = store(transport, Duration.ofSeconds(10));
    assertThat(store.claim(IdempotencyKey.of("fault", "warm-up"), "fp", Duration.ofSeconds(30)))
        .isInstanceOf(ClaimResult.Claimed.class);
    long firstId = idOf(storeClient().orElseThrow());

    CompletableFuture<ClaimResult> claim;
    RedisTestSupport.pauseWrites(admin, 5000);
    try {
      claim = CompletableFuture.supplyAsync(() -> store.claim(key, "fp", Duration.ofSeconds(30)));
      await().atMost(Duration.ofSeconds(4)).until(() -> storeClient()
          .filter(line -> line.contains(" flags=b ") && line.contains(" cmd=set ")).isPresent());
      killStoreConnection();
      // the claim is resent on a new connection (Lettuce's after its reconnect), and waits again
      await().atMost(Duration.ofSeconds(4)).until(() -> storeClient()
          .filter(line -> idOf(line) != firstId && line.contains(" flags=b ")).isPresent());
      assertThat(claim).isNotDone();
      assertThat(admin.exists(redisKey())).isZero();
    } finally {
      RedisTestSupport.unpause(admin);
    }

    ClaimResult result = claim.get(10, TimeUnit.SECONDS);
    assertThat(result).isInstanceOf(ClaimResult.Claimed.class);
    assertThat(admin.get(redisKey())).endsWith(((ClaimResult.Claimed) result).token() + "fp");
    assertThat(store.claim(key, "fp", Duration.ofSeconds(30))).isInstanceOf(ClaimResult.InProgress.class);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void connectionDroppedBetweenCallsIsReopenedForTheNextCall(Transport transport) {
    IdempotencyStore store = store(transport, Duration.ofSeconds(5));
    ClaimResult first = store.claim(IdempotencyKey.of("fault", "before"), "fp", Duration.ofSeconds(30));
    assertThat(first).isInstanceOf(ClaimResult.Claimed.class);
    long firstId = idOf(storeClient().orElseThrow());

    killStoreConnection();

    assertThat(store.claim(key, "fp", Duration.ofSeconds(30))).isInstanceOf(ClaimResult.Claimed.class);
    assertThat(idOf(storeClient().orElseThrow())).as("a new connection").isNotEqualTo(firstId);
    assertThat(store.release(IdempotencyKey.of("fault", "before"), ((ClaimResult.Claimed) first).token())).isTrue();
    assertThat(admin.exists(redisKey())).isOne();
  }
}
