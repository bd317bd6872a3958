package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStoreStats;
import dev.closedloop.sync.idempotency.IdempotencyStoreUnavailableException;
import dev.closedloop.sync.idempotency.StoredResponse;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link RedisIdempotencyStore#stats()} on a real Redis: what this instance asked and was answered. */
class RedisIdempotencyStoreStatsTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration DAY = Duration.ofDays(1);

  private final String prefix = RedisTestSupport.newPrefix();
  private RedisClient admin;
  private StatefulRedisConnection<String, String> adminConnection;
  private RedisIdempotencyStore store;

  @BeforeEach
  void connect() {
    String url = RedisTestSupport.url();
    admin = RedisClient.create(url);
    adminConnection = admin.connect();
    store = RedisIdempotencyStore.builder().uri(url).keyPrefix(prefix).build();
  }

  @AfterEach
  void close() {
    if (admin == null) {
      return; // skipped: no server
    }
    try {
      store.close();
      RedisTestSupport.deleteKeys(adminConnection.sync(), prefix);
    } finally {
      adminConnection.close();
      admin.shutdown();
    }
  }

  private static IdempotencyKey key(String k) {
    return IdempotencyKey.of("principal:ann", k);
  }

  private static StoredResponse ok(String body) {
    return StoredResponse.of(200, Map.of(), body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyAnswerIsCounted() {
    String t1 = ((ClaimResult.Claimed) store.claim(key("a"), "fp", LEASE)).token();
    assertThat(store.claim(key("a"), "fp", LEASE)).isInstanceOf(ClaimResult.InProgress.class);
    assertThat(store.claim(key("a"), "other", LEASE)).isInstanceOf(ClaimResult.Mismatch.class);
    assertThat(store.renew(key("a"), t1, LEASE)).isTrue();
    assertThat(store.complete(key("a"), "not-the-owner", ok("x"), DAY)).isFalse();
    assertThat(store.complete(key("a"), t1, ok("{\"id\":1}"), DAY)).isTrue();
    assertThat(store.claim(key("a"), "fp", LEASE)).isInstanceOf(ClaimResult.Completed.class);
    assertThat(store.renew(key("a"), t1, LEASE)).as("completed: no lease to renew").isFalse();
    String t2 = ((ClaimResult.Claimed) store.claim(key("b"), "fp", LEASE)).token();
    assertThat(store.release(key("b"), t2)).isTrue();
    assertThat(store.release(key("b"), t2)).isFalse();

    IdempotencyStoreStats s = store.stats();
    assertThat(s.claims()).isEqualTo(2);
    assertThat(s.conflicts()).isEqualTo(1);
    assertThat(s.mismatches()).isEqualTo(1);
    assertThat(s.replays()).isEqualTo(1);
    assertThat(s.completions()).isEqualTo(1);
    assertThat(s.notReplayable()).isZero();
    assertThat(s.releases()).isEqualTo(1);
    assertThat(s.renewals()).isEqualTo(1);
    assertThat(s.staleOwnerRejections()).isEqualTo(3);
    assertThat(s.unavailable()).isZero();
    assertThat(s.entries()).as("kept in Redis").isEqualTo(-1);
    assertThat(s.bytes()).isEqualTo(-1);
  }

  @Test
  void aResponseTooLargeToKeepCountsAsNotReplayable() {
    try (RedisIdempotencyStore small = RedisIdempotencyStore.builder().uri(RedisTestSupport.url()).keyPrefix(prefix)
        .maxResponseBytes(100).build()) {
      String t = ((ClaimResult.Claimed) small.claim(key("big"), "fp", LEASE)).token();
      assertThat(small.complete(key("big"), t, ok("x".repeat(1000)), DAY)).isTrue();
      assertThat(small.stats().completions()).isEqualTo(1);
      assertThat(small.stats().notReplayable()).isEqualTo(1);
    }
  }

  @Test
  void aRedisThatWentAwayCountsAsUnavailable() throws Exception {
    OwnRedisServer own = OwnRedisServer.start(); // its own server: stopping it disturbs nobody
    try (RedisIdempotencyStore down = RedisIdempotencyStore.builder().uri(own.url()).keyPrefix(prefix)
        .commandTimeout(Duration.ofMillis(500)).build()) {
      assertThat(down.claim(key("a"), "fp", LEASE)).isInstanceOf(ClaimResult.Claimed.class);
      own.close();

      assertThatThrownBy(() -> down.claim(key("b"), "fp", LEASE))
          .isInstanceOf(IdempotencyStoreUnavailableException.class);
      assertThatThrownBy(() -> down.release(key("a"), "t"))
          .isInstanceOf(IdempotencyStoreUnavailableException.class);
      assertThat(down.stats().unavailable()).isEqualTo(2);
      assertThat(down.stats().claims()).isEqualTo(1);
    } finally {
      own.close();
    }
  }
}
