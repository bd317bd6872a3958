package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.ExpiredLeasePolicy;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.idempotency.spi.StoredResponseCodec;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the Redis store writes, and how it behaves beyond the kit, on a real server. */
class RedisIdempotencyStoreTest {
  private final String prefix = RedisTestSupport.newPrefix();
  private final IdempotencyKey key = IdempotencyKey.of("principal:alice", "order-1");
  private RedisClient client;
  private StatefulRedisConnection<String, String> adminConnection;
  private RedisCommands<String, String> admin;
  private RedisIdempotencyStore store;
  private final List<RedisIdempotencyStore> extraStores = new java.util.ArrayList<>();

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
      extraStores.forEach(RedisIdempotencyStore::close);
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
  void claimIsOneStringUnderThePrefixThatExpiresWithTheLease() {
    String token = claimed(store, Duration.ofSeconds(30));
    assertThat(redisKey()).isEqualTo(prefix + "15:principal:aliceorder-1");
    assertThat(admin.get(redisKey())).isEqualTo("p:30000:30000:" + token.length() + ":2:" + token + "fp");
    assertThat(admin.pttl(redisKey())).isBetween(25_000L, 30_000L);
  }

  @Test
  void onRedis7AFreshKeyIsClaimedByOneNativeSetCommand() {
    String name = "cls-native-" + UUID.randomUUID().toString().substring(0, 8);
    try (RedisIdempotencyStore named = RedisIdempotencyStore.builder().uri(RedisTestSupport.url())
        .keyPrefix(prefix).clientName(name).build()) {
      assertThat(named.nativeClaims()).isTrue();
      claimed(named, Duration.ofSeconds(30));
      String line = java.util.Arrays.stream(admin.clientList().split("\n"))
          .filter(l -> l.contains(" name=" + name + " ")).findFirst().orElseThrow();
      assertThat(line).contains(" cmd=set ");
    }
  }

  @Test
  void scriptAndNativeClaimsReadEachOthersEntries() {
    try (RedisIdempotencyStore scripted = RedisIdempotencyStore.builder().client(client).keyPrefix(prefix)
        .scriptClaimsOnly().build()) {
      assertThat(scripted.nativeClaims()).isFalse();
      String token = claimed(scripted, Duration.ofSeconds(30));
      assertThat(store.claim(key, "fp", Duration.ofSeconds(30))).isInstanceOf(ClaimResult.InProgress.class);
      assertThat(store.claim(key, "other", Duration.ofSeconds(30))).isInstanceOf(ClaimResult.Mismatch.class);
      StoredResponse response = StoredResponse.of(200, Map.of(), new byte[] {1, 2});
      assertThat(scripted.complete(key, token, response, Duration.ofMinutes(1))).isTrue();
      assertThat(store.claim(key, "fp", Duration.ofSeconds(30))).isEqualTo(new ClaimResult.Completed(response));
      assertThat(store.claim(key, "other", Duration.ofSeconds(30))).isInstanceOf(ClaimResult.Mismatch.class);
      assertThat(scripted.claim(key, "fp", Duration.ofSeconds(30))).isEqualTo(new ClaimResult.Completed(response));
    }
  }

  @Test
  void completionAppendsTheResponseToTheEntryAndExpiresWithTheRetention() {
    String token = claimed(store, Duration.ofSeconds(30));
    StoredResponse response = StoredResponse.of(201, Map.of("Location", List.of("/orders/7")),
        "{\"id\":7}".getBytes(StandardCharsets.UTF_8));
    assertThat(store.complete(key, token, response, Duration.ofHours(1))).isTrue();

    assertThat(admin.pttl(redisKey())).isBetween(3_590_000L, 3_600_000L);
    try (StatefulRedisConnection<byte[], byte[]> raw = client.connect(ByteArrayCodec.INSTANCE)) {
      byte[] stored = raw.sync().get(redisKey().getBytes(StandardCharsets.UTF_8));
      byte[] header = ("c:30000:30000:" + token.length() + ":2:" + token + "fp").getBytes(StandardCharsets.UTF_8);
      assertThat(java.util.Arrays.copyOf(stored, header.length)).isEqualTo(header);
      assertThat(StoredResponseCodec.decode(java.util.Arrays.copyOfRange(stored, header.length, stored.length)))
          .isEqualTo(response);
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

  /** The store on a Lettuce client, or one built from the URI, on its own connections. */
  private RedisIdempotencyStore store(boolean ownConnections) {
    if (!ownConnections) {
      return store;
    }
    RedisIdempotencyStore own = RedisIdempotencyStore.builder().uri(RedisTestSupport.url()).keyPrefix(prefix).build();
    extraStores.add(own);
    return own;
  }

  @ParameterizedTest(name = "own connections: {0}")
  @ValueSource(booleans = {false, true})
  void scriptsUnknownToTheServerAreSentWholeOnceAndThenRunBySha(boolean ownConnections) {
    RedisIdempotencyStore store = store(ownConnections);
    admin.scriptFlush();
    String sha = new LuaScript(RedisIdempotencyStore.CLAIM_LUA).sha();
    assertThat(admin.scriptExists(sha)).containsExactly(false);
    claimed(store, Duration.ofSeconds(30));
    assertThat(store.claim(key, "fp", Duration.ofSeconds(30))).isInstanceOf(ClaimResult.InProgress.class);
    assertThat(admin.scriptExists(sha)).containsExactly(true);
    admin.scriptFlush(); // NOSCRIPT again: the error reply leaves the connection usable
    assertThat(store.claim(key, "fp", Duration.ofSeconds(30))).isInstanceOf(ClaimResult.InProgress.class);
    assertThat(store.claim(IdempotencyKey.of("principal:alice", "order-2"), "fp", Duration.ofSeconds(30)))
        .isInstanceOf(ClaimResult.Claimed.class);
  }

  @ParameterizedTest(name = "own connections: {0}")
  @ValueSource(booleans = {false, true})
  void keyHoldingAnotherTypeFailsWithAStoreExceptionAndIsLeftAlone(boolean ownConnections) {
    RedisIdempotencyStore store = store(ownConnections);
    admin.hset(redisKey(), Map.of("s", "p"));
    assertThatThrownBy(() -> store.claim(key, "fp", Duration.ofSeconds(30)))
        .isInstanceOf(RedisStoreException.class)
        .hasMessageContaining("could not claim " + redisKey())
        .hasMessageContaining("WRONGTYPE");
    assertThat(admin.hgetall(redisKey())).isEqualTo(Map.of("s", "p"));
  }

  @Test
  void foreignStringAtTheKeyFailsWithAStoreExceptionAndIsLeftAlone() {
    admin.set(redisKey(), "not an entry");
    assertThatThrownBy(() -> store.claim(key, "fp", Duration.ofSeconds(30)))
        .isInstanceOf(RedisStoreException.class)
        .hasMessageContaining("not an idempotency entry: " + redisKey());
    assertThat(admin.get(redisKey())).isEqualTo("not an entry");
  }

  @Test
  void unreadableStoredResponseFailsWithAStoreExceptionNamingTheProblem() {
    admin.set(redisKey(), "c:1:1:1:2:xfp\u0009garbage");
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

  private long connectionsNamed(String name) {
    return java.util.Arrays.stream(admin.clientList().split("\n")).filter(l -> l.contains(" name=" + name + " ")).count();
  }

  @Test
  void aStoreBuiltFromAUriNeverHoldsMoreThanMaxConnectionsAndEveryCallerIsServed() throws Exception {
    String name = "cls-pool-" + UUID.randomUUID().toString().substring(0, 8);
    int threads = 16;
    int perThread = 200;
    try (RedisIdempotencyStore pooled = RedisIdempotencyStore.builder().uri(RedisTestSupport.url())
        .keyPrefix(prefix).clientName(name).maxConnections(3).build()) {
      assertThat(pooled.toString()).contains("own connections");
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.atomic.AtomicLong claimed = new java.util.concurrent.atomic.AtomicLong();
      java.util.concurrent.atomic.AtomicLong mostSeen = new java.util.concurrent.atomic.AtomicLong();
      List<Thread> workers = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        Thread w = new Thread(() -> {
          try {
            start.await();
            for (int i = 0; i < perThread; i++) {
              if (pooled.claim(IdempotencyKey.of("pool", id + "-" + i), "fp", Duration.ofSeconds(30))
                  instanceof ClaimResult.Claimed) {
                claimed.incrementAndGet();
              }
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        workers.add(w);
        w.start();
      }
      start.countDown();
      while (workers.stream().anyMatch(Thread::isAlive)) {
        mostSeen.accumulateAndGet(connectionsNamed(name), Math::max);
        Thread.sleep(5);
      }
      for (Thread w : workers) {
        w.join();
      }
      assertThat(claimed).hasValue((long) threads * perThread);
      assertThat(mostSeen.get()).isBetween(1L, 3L);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> connectionsNamed(name) == 0);
  }

  private List<Long> idsOfConnectionsNamed(String name) {
    return java.util.Arrays.stream(admin.clientList().split("\n")).filter(l -> l.contains(" name=" + name + " "))
        .map(l -> Long.parseLong(l.substring(3, l.indexOf(' ')))).toList();
  }

  @Test
  void aConnectionIdleForMoreThanAMinuteIsReplacedInsteadOfReused() {
    String name = "cls-idle-" + UUID.randomUUID().toString().substring(0, 8);
    dev.closedloop.sync.time.ManualTicker ticker = new dev.closedloop.sync.time.ManualTicker();
    try (RedisIdempotencyStore s = RedisIdempotencyStore.builder().uri(RedisTestSupport.url()).keyPrefix(prefix)
        .clientName(name).ticker(ticker).build()) {
      List<Long> first = idsOfConnectionsNamed(name);
      assertThat(first).hasSize(1);

      ticker.advance(Duration.ofSeconds(60));
      claimed(s, Duration.ofSeconds(30));
      assertThat(idsOfConnectionsNamed(name)).as("idle for a minute: reused").isEqualTo(first);

      ticker.advance(Duration.ofSeconds(61));
      assertThat(s.claim(IdempotencyKey.of("principal:alice", "order-2"), "fp", Duration.ofSeconds(30)))
          .isInstanceOf(ClaimResult.Claimed.class);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(idsOfConnectionsNamed(name))
          .as("idle for longer: closed, and a new one opened").hasSize(1).doesNotContainAnyElementsOf(first));
    }
  }

  @Test
  void aUriWithAWrongPasswordOrNoServerFailsTheBuildAndLeavesNothingOpen() {
    String name = "cls-auth-" + UUID.randomUUID().toString().substring(0, 8);
    String url = RedisTestSupport.url();
    String withPassword = url.replaceFirst("redis://", "redis://:wrong-secret@");
    assertThatThrownBy(() -> RedisIdempotencyStore.builder().uri(withPassword).clientName(name).build())
        .isInstanceOf(RedisStoreException.class)
        .hasMessageStartingWith("redis idempotency store could not connect: ")
        .hasMessageContaining("AUTH");
    assertThat(connectionsNamed(name)).isZero();
    assertThatThrownBy(() -> RedisIdempotencyStore.builder().uri("redis://127.0.0.1:1").build())
        .isInstanceOf(RedisStoreException.class)
        .hasMessageContaining("could not connect");
  }

  @Test
  void aUriSelectsItsDatabase() {
    String name = "cls-db-" + UUID.randomUUID().toString().substring(0, 8);
    String url = RedisTestSupport.url().replaceFirst("/\\d*$", "");
    try (RedisIdempotencyStore onDb3 = RedisIdempotencyStore.builder().uri(url + "/3")
        .keyPrefix(prefix).clientName(name).build()) {
      String token = claimed(onDb3, Duration.ofSeconds(30));
      assertThat(admin.exists(redisKey())).as("not in database 0").isZero();
      assertThat(admin.clientList()).containsPattern(" name=" + name + " .* db=3 ");
      assertThat(store.claim(key, "fp", Duration.ofSeconds(30))).as("database 0 is another keyspace")
          .isInstanceOf(ClaimResult.Claimed.class);
      assertThat(onDb3.release(key, token)).isTrue(); // leaves database 3 clean
    }
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
