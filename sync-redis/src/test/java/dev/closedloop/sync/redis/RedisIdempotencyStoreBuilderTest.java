package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Builder validation; nothing here needs a server. */
class RedisIdempotencyStoreBuilderTest {
  @Test
  void nullsAreRejectedWithTheArgumentsName() {
    RedisIdempotencyStoreBuilder b = RedisIdempotencyStore.builder();
    assertThatThrownBy(() -> b.uri(null)).isInstanceOf(NullPointerException.class).hasMessage("uri cannot be null");
    assertThatThrownBy(() -> b.client(null)).isInstanceOf(NullPointerException.class).hasMessage("client cannot be null");
    assertThatThrownBy(() -> b.connection(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("connection cannot be null");
    assertThatThrownBy(() -> b.keyPrefix(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("keyPrefix cannot be null");
    assertThatThrownBy(() -> b.expiredLeasePolicy(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("policy cannot be null");
    assertThatThrownBy(() -> b.commandTimeout(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("timeout cannot be null");
  }

  @Test
  void outOfRangeValuesAreRejectedWithTheValue() {
    RedisIdempotencyStoreBuilder b = RedisIdempotencyStore.builder();
    assertThatThrownBy(() -> b.uri("http://example.org")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("uri is not a Redis URI");
    assertThatThrownBy(() -> b.keyPrefix("")).hasMessage("keyPrefix must have 1 to 256 characters: 0");
    assertThatThrownBy(() -> b.clientName("has space")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("without spaces: has space");
    assertThatThrownBy(() -> b.commandTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxResponseBytes(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(": 0");
    assertThatThrownBy(() -> b.maxResponseBytes(RedisIdempotencyStoreBuilder.MAX_MAX_RESPONSE_BYTES + 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.abandonedClaimRetention(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention");
    assertThatThrownBy(() -> b.maxConnections(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxConnections must be between 1 and 10000: 0");
    assertThatThrownBy(() -> b.maxConnections(10_001)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void maxConnectionsNeedsAUri() {
    RedisClient client = RedisClient.create("redis://127.0.0.1:1");
    try {
      assertThatThrownBy(() -> RedisIdempotencyStore.builder().client(client).maxConnections(4).build())
          .isInstanceOf(IllegalStateException.class).hasMessage("maxConnections applies to a store built from a URI");
    } finally {
      client.shutdown();
    }
  }

  @Test
  void buildNeedsExactlyOneWayToRedis() {
    assertThatThrownBy(() -> RedisIdempotencyStore.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("exactly one of uri, client, connection, clusterUris and clusterConnection must be set: 0 are");
    RedisClient client = RedisClient.create("redis://127.0.0.1:1");
    try {
      assertThatThrownBy(() -> RedisIdempotencyStore.builder().uri("redis://127.0.0.1:1").client(client).build())
          .isInstanceOf(IllegalStateException.class).hasMessageEndingWith("2 are");
    } finally {
      client.shutdown();
    }
  }

  @Test
  void unreachableServerFailsTheBuildWithAStoreException() {
    assertThatThrownBy(() -> RedisIdempotencyStore.builder().uri("redis://127.0.0.1:1")
        .commandTimeout(Duration.ofSeconds(1)).build())
        .isInstanceOf(RedisStoreException.class)
        .hasMessageStartingWith("redis idempotency store could not connect");
  }

  @Test
  void clusterUrisAndWaitForReplicasAreValidatedAtOnce() {
    RedisIdempotencyStoreBuilder b = RedisIdempotencyStore.builder();
    assertThatThrownBy(() -> b.clusterUris()).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clusterUris must name 1 to 64 nodes: 0");
    assertThatThrownBy(() -> b.clusterUris((String[]) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("uris cannot be null");
    assertThatThrownBy(() -> b.clusterUris("redis://127.0.0.1:7000", "not a uri")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("uri is not a Redis URI");
    assertThatThrownBy(() -> b.waitForReplicas(0, Duration.ofMillis(100))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("replicas must be between 1 and 16: 0");
    assertThatThrownBy(() -> b.waitForReplicas(17, Duration.ofMillis(100))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.waitForReplicas(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be positive and at most one minute: PT0S");
    assertThatThrownBy(() -> b.waitForReplicas(1, Duration.ofMinutes(2))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.waitForReplicas(1, null)).isInstanceOf(NullPointerException.class)
        .hasMessage("timeout cannot be null");
  }

  @Test
  void waitForReplicasMustEndBeforeTheCommandTimeout() {
    assertThatThrownBy(() -> RedisIdempotencyStore.builder().uri("redis://127.0.0.1:1")
        .commandTimeout(Duration.ofMillis(500)).waitForReplicas(1, Duration.ofMillis(500)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the waitForReplicas timeout (500 ms) must be shorter than the command timeout (500 ms)");
    assertThatThrownBy(() -> RedisIdempotencyStore.builder().clusterUris("redis://127.0.0.1:1")
        .waitForReplicas(1, Duration.ofSeconds(3)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("command timeout (2000 ms)");
  }

  @Test
  void unreachableClusterFailsTheBuildWithAStoreException() {
    assertThatThrownBy(() -> RedisIdempotencyStore.builder().clusterUris("redis://127.0.0.1:1")
        .commandTimeout(Duration.ofSeconds(1)).build())
        .isInstanceOf(RedisStoreException.class)
        .hasMessageStartingWith("redis idempotency store could not connect to the cluster");
  }

  @Test
  void defaultsAreThoseDocumented() {
    assertThat(RedisIdempotencyStoreBuilder.DEFAULT_KEY_PREFIX).isEqualTo("cls:idem:");
    assertThat(RedisIdempotencyStoreBuilder.DEFAULT_MAX_RESPONSE_BYTES).isEqualTo(1024 * 1024);
    assertThat(RedisIdempotencyStoreBuilder.DEFAULT_MAX_CONNECTIONS).isEqualTo(64);
  }
}
