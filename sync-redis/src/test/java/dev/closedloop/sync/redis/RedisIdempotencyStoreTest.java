package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.ExpiredLeasePolicy;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.StoredResponse;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the Redis store writes, and how it behaves beyond the kit, on a real server. */
class RedisIdempotencyStoreTest {
  private final String prefix = RedisTestSupport.newPrefix();
  private final IdempotencyKey key = IdempotencyKey.of("principal:alice", "order-1");
  private RedisClient client;
  private StatefulRedisConnection<String, String> adminConnection;
  private RedisCommands<String, String> admin;
  private RedisIdempotencyStore store;

  @BeforeEach
  void connect() {
    client = RedisClient.create(RedisTestSupport.url());
    adminConnection = client.connect();
    admin = adminConnection.sync();
    store = RedisIdempotencyStore.builder().client(client).keyPrefix(prefix).build();
  }

  @AfterEach
  void close() {
    if (client == null) {
      return; // skipped: no server
    }
    try {
      store.close();
      RedisTestSupport.deleteKeys(admin, prefix);
    } finally {
      adminConnection.close();
      client.shutdown();
    }
  }

  private String redisKey() {
    return prefix + key.storageKey();
  }

  private String claimed(RedisIdempotencyStore s, Duration lease) {
    ClaimResult r = s.claim(key, "fp", lease);
    assertThat(r).isInstanceOf(ClaimResult.Claimed.class);
    return ((ClaimResult.Claimed) r).token();
  }

  @Test
  void claimIsOneHashUnderThePrefixThatExpiresWithTheLease() {
    String token = claimed(store, Duration.ofSeconds(30));
    assertThat(redisKey()).isEqualTo(prefix + "15:principal:aliceorder-1");
    assertThat(admin.hgetall(redisKey())).containsOnlyKeys("s", "f", "t", "l")
        .containsEntry("s", "p").containsEntry("f", "fp").containsEntry("t", token);
    assertThat(admin.pttl(redisKey())).isBetween(25_000L, 30_000L);
    long leaseEnd = Long.parseLong(admin.hget(redisKey(), "l"));
    List<String> time = admin.time();
    long serverNow = Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
    assertThat(leaseEnd - serverNow).as("lease end in server time").isBetween(25_000L, 30_000L);
  }

  @Test
  void completionStoresTheResponseInOneFieldAndExpiresWithTheRetention() {
    String token = claimed(store, Duration.ofSeconds(30));
    StoredResponse response = StoredResponse.of(201, Map.of("Location", List.of("/orders/7")),
        "{\"id\":7}".getBytes(StandardCharsets.UTF_8));
    assertThat(store.complete(key, token, response, Duration.ofHours(1))).isTrue();

    assertThat(admin.hget(redisKey(), "s")).isEqualTo("c");
    assertThat(admin.pttl(redisKey())).isBetween(3_590_000L, 3_600_000L);
    try (StatefulRedisConnection<byte[], byte[]> raw = client.connect(ByteArrayCodec.INSTANCE)) {
      byte[] stored = raw.sync().hget(redisKey().getBytes(StandardCharsets.UTF_8), new byte[] {'r'});
      assertThat(ResponseCodec.decode(stored)).isEqualTo(response);
    }
  }

  @Test
  void abandonedClaimUnderConflictUntilExpiryLivesForTheAbandonedRetention() {
    try (RedisIdempotencyStore conflict = RedisIdempotencyStore.builder().client(client).keyPrefix(prefix)
        .expiredLeasePolicy(ExpiredLeasePolicy.CONFLICT_UNTIL_EXPIRY)
        .abandonedClaimRetention(Duration.ofHours(2)).build()) {
      claimed(conflict, Duration.ofSeconds(30));
      assertThat(admin.pttl(redisKey())).isBetween(7_190_000L, 7_200_000L);
      ClaimResult r = conflict.claim(key, "fp", Duration.ofSeconds(30));
      assertThat(((ClaimResult.InProgress) r).retryAfter()).isBetween(Duration.ofSeconds(25), Duration.ofSeconds(30));
    }
  }

  @Test
  void claimResentWithItsOwnTokenAnswersClaimedAgainAndAnyOtherTokenIsInProgress() {
    assertThat(store.claim(key, "fp", 30_000, "token-1")).isEqualTo(new ClaimResult.Claimed("token-1"));
    assertThat(store.claim(key, "fp", 30_000, "token-1")).isEqualTo(new ClaimResult.Claimed("token-1"));
    assertThat(store.claim(key, "fp", 30_000, "token-2")).isInstanceOf(ClaimResult.InProgress.class);
    assertThat(store.complete(key, "token-1", StoredResponse.of(200, Map.of(), new byte[0]), Duration.ofMinutes(1)))
        .isTrue();
    assertThat(store.claim(key, "fp", 30_000, "token-1"))
        .as("a completed entry is never claimed again, whatever the token")
        .isInstanceOf(ClaimResult.Completed.class);
  }

  @Test
  void scriptsUnknownToTheServerAreSentWholeOnceAndThenRunBySha() {
    admin.scriptFlush();
    String sha = new LuaScript(RedisIdempotencyStore.CLAIM_LUA).sha();
    assertThat(admin.scriptExists(sha)).containsExactly(false);
    claimed(store, Duration.ofSeconds(30));
    assertThat(admin.scriptExists(sha)).containsExactly(true);
  }

  @Test
  void keyHoldingAnotherTypeFailsWithAStoreExceptionAndIsLeftAlone() {
    admin.set(redisKey(), "not a hash");
    assertThatThrownBy(() -> store.claim(key, "fp", Duration.ofSeconds(30)))
        .isInstanceOf(RedisStoreException.class)
        .hasMessageContaining("could not claim " + redisKey())
        .hasMessageContaining("WRONGTYPE");
    assertThat(admin.get(redisKey())).isEqualTo("not a hash");
  }

  @Test
  void unreadableStoredResponseFailsWithAStoreExceptionNamingTheProblem() {
    admin.hset(redisKey(), Map.of("s", "c", "f", "fp", "t", "x", "r", "\u0009garbage"));
    assertThatThrownBy(() -> store.claim(key, "fp", Duration.ofSeconds(30)))
        .isInstanceOf(RedisStoreException.class)
        .hasMessageContaining("cannot be read: unknown response format version 9");
  }

  @Test
  void closeLeavesTheApplicationsConnectionOpen() {
    try (StatefulRedisConnection<byte[], byte[]> appConnection = client.connect(ByteArrayCodec.INSTANCE)) {
      RedisIdempotencyStore onApp = RedisIdempotencyStore.builder().connection(appConnection).keyPrefix(prefix).build();
      claimed(onApp, Duration.ofSeconds(30));
      onApp.close();
      assertThat(appConnection.isOpen()).isTrue();
      assertThat(appConnection.sync().exists(redisKey().getBytes(StandardCharsets.UTF_8))).isOne();
      assertThatThrownBy(() -> onApp.claim(key, "fp", Duration.ofSeconds(1)))
          .isInstanceOf(IllegalStateException.class).hasMessage("store is closed");
    }
  }

  @Test
  void closeClosesTheConnectionTheStoreOpened() {
    String name = "cls-close-" + UUID.randomUUID().toString().substring(0, 8);
    RedisIdempotencyStore owned = RedisIdempotencyStore.builder().uri(RedisTestSupport.url())
        .keyPrefix(prefix).clientName(name).build();
    claimed(owned, Duration.ofSeconds(30));
    assertThat(admin.clientList()).contains(" name=" + name + " ");
    owned.close();
    owned.close(); // idempotent
    await().atMost(Duration.ofSeconds(5)).until(() -> !admin.clientList().contains(" name=" + name + " "));
  }

  @Test
  void oversizeResponseIsKeptAsNotReplayableWithItsStatus() {
    try (RedisIdempotencyStore small = RedisIdempotencyStore.builder().client(client).keyPrefix(prefix)
        .maxResponseBytes(100).build()) {
      String token = claimed(small, Duration.ofSeconds(30));
      assertThat(small.complete(key, token, StoredResponse.of(202, Map.of(), new byte[37]), Duration.ofMinutes(1)))
          .isTrue();
      ClaimResult r = small.claim(key, "fp", Duration.ofSeconds(30));
      assertThat(r).isEqualTo(new ClaimResult.Completed(StoredResponse.notReplayable(202)));
    }
  }
}
