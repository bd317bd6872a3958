package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.testkit.LocalRedisCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Where the store's entries and the bus's keys land on a Redis Cluster: entries spread over the
 * masters by their key; a topic's three keys share one slot (the hash tag the bus chooses, the
 * topic), and topics spread over the masters.
 */
class RedisClusterLayoutTest {
  @Test
  void storeEntriesSpreadOverEveryMaster() {
    LocalRedisCluster cluster = ClusterTestSupport.shared();
    String prefix = RedisTestSupport.newPrefix();
    Set<Integer> masters = new HashSet<>();
    try (RedisIdempotencyStore store = RedisIdempotencyStore.builder().clusterUris(ClusterTestSupport.seeds(cluster))
        .keyPrefix(prefix).build()) {
      for (int i = 0; i < 30; i++) {
        IdempotencyKey key = IdempotencyKey.of("s", "k" + i);
        assertThat(store.claim(key, "fp", Duration.ofMinutes(1))).isInstanceOf(ClaimResult.Claimed.class);
        String redisKey = new String(store.redisKey(key), StandardCharsets.UTF_8);
        int master = cluster.masterPortOf(redisKey);
        assertThat(cluster.cli(master, "EXISTS", redisKey).trim()).as(redisKey + " on its slot's master").isEqualTo("1");
        masters.add(master);
      }
    }
    assertThat(masters).as("30 entries over 3 masters").hasSize(3);
  }

  @Test
  void aTopicsThreeKeysShareASlotAndTopicsSpreadOverEveryMaster() {
    LocalRedisCluster cluster = ClusterTestSupport.shared();
    String prefix = RedisTestSupport.newPrefix();
    Set<Integer> masters = new HashSet<>();
    try (RedisRealtimeBus bus = RedisRealtimeBus.builder().clusterUris(ClusterTestSupport.seeds(cluster))
        .keyPrefix(prefix).build()) {
      for (int i = 0; i < 30; i++) {
        String topic = "topic-" + i;
        bus.publish(ChangeDraft.update(topic, "e1", "{\"n\":" + i + "}", null));
        String stream = prefix + "{" + topic + "}";
        assertThat(bus.streamKey(topic)).isEqualTo(stream);
        String slot = cluster.cli(cluster.livePorts().get(0), "CLUSTER", "KEYSLOT", stream).trim();
        assertThat(cluster.cli(cluster.livePorts().get(0), "CLUSTER", "KEYSLOT", stream + ":latest").trim()).isEqualTo(slot);
        assertThat(cluster.cli(cluster.livePorts().get(0), "CLUSTER", "KEYSLOT", stream + ":meta").trim()).isEqualTo(slot);
        int master = cluster.masterPortOf(stream);
        assertThat(cluster.cli(master, "XLEN", stream).trim()).as(stream).isEqualTo("1");
        assertThat(cluster.cli(master, "EXISTS", stream + ":latest").trim()).isEqualTo("1");
        masters.add(master);
      }
    }
    assertThat(masters).as("30 topics over 3 masters").hasSize(3);
  }
}
