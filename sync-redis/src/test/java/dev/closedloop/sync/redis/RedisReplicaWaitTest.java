package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.StoredResponse;
import io.lettuce.core.RedisClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code waitForReplicas} on one Redis master with one replica of the test's own, over both
 * transports (the store's own connections, where {@code WAIT} goes in the same write as the
 * command, and a Lettuce connection): claims, completions and renewals are acknowledged once the
 * replica has them, and with the replica gone each fails with a store exception, the claim taken
 * back from the master.
 */
class RedisReplicaWaitTest {
  @ParameterizedTest(name = "ownConnections={0}")
  @ValueSource(booleans = {true, false})
  void writesAreAcknowledgedOnlyOnceTheReplicaHasThem(boolean ownConnections) throws Exception {
    try (OwnRedisServer master = OwnRedisServer.start();
        OwnRedisServer replica = OwnRedisServer.start("--replicaof", "127.0.0.1", Integer.toString(master.port()))) {
      master.admin().set("wait:warm-up", "1");
      await().atMost(Duration.ofSeconds(20)).until(() -> master.admin().waitForReplication(1, 100) == 1);
      RedisClient client = RedisClient.create(master.url());
      RedisIdempotencyStoreBuilder b = RedisIdempotencyStore.builder().keyPrefix("wait:")
          .waitForReplicas(1, Duration.ofMillis(200));
      if (ownConnections) {
        b.uri(master.url()).commandTimeout(Duration.ofSeconds(1));
      } else {
        b.client(client).commandTimeout(Duration.ofSeconds(1));
      }
      try (RedisIdempotencyStore store = b.build()) {
        IdempotencyKey a = IdempotencyKey.of("s", "a");
        String redisKey = new String(store.redisKey(a), StandardCharsets.UTF_8);
        ClaimResult claimed = store.claim(a, "fp", Duration.ofSeconds(30));
        assertThat(claimed).isInstanceOf(ClaimResult.Claimed.class);
        assertThat(replica.admin().get(redisKey)).as("on the replica when the claim is acknowledged").startsWith("p:");
        String token = ((ClaimResult.Claimed) claimed).token();
        assertThat(store.renew(a, token, Duration.ofSeconds(60))).isTrue();
        assertThat(replica.admin().get(redisKey)).as("renewed on the replica").startsWith("p:60000:");
        assertThat(store.complete(a, token, StoredResponse.of(201, java.util.Map.of(), new byte[] {1}),
            Duration.ofMinutes(5))).isTrue();
        assertThat(replica.admin().get(redisKey)).as("completed on the replica").startsWith("c:");

        IdempotencyKey c = IdempotencyKey.of("s", "c");
        String tokenC = ((ClaimResult.Claimed) store.claim(c, "fp", Duration.ofSeconds(30))).token();

        replica.close(); // the replica is gone: nothing can be acknowledged
        await().atMost(Duration.ofSeconds(10))
            .until(() -> master.admin().info("replication").contains("connected_slaves:0"));
        IdempotencyKey d = IdempotencyKey.of("s", "d");
        assertThatThrownBy(() -> store.claim(d, "fp", Duration.ofSeconds(30)))
            .isInstanceOf(RedisStoreException.class)
            .hasMessageContaining("only 0 of 1 replicas acknowledged the write within 200 ms");
        assertThat(master.admin().exists(new String(store.redisKey(d), StandardCharsets.UTF_8)))
            .as("the unacknowledged claim was taken back").isZero();
        assertThatThrownBy(() -> store.renew(c, tokenC, Duration.ofSeconds(30)))
            .isInstanceOf(RedisStoreException.class).hasMessageContaining("replicas acknowledged");
        assertThatThrownBy(() -> store.complete(c, tokenC, StoredResponse.of(201, java.util.Map.of(), new byte[0]),
            Duration.ofMinutes(5))).isInstanceOf(RedisStoreException.class).hasMessageContaining("replicas acknowledged");
        assertThatThrownBy(() -> store.claim(a, "fp", Duration.ofSeconds(30)))
            .as("under WAIT the store answers nothing while the replica is missing")
            .isInstanceOf(RedisStoreException.class);
      } finally {
        client.shutdown();
      }
    }
  }
}
