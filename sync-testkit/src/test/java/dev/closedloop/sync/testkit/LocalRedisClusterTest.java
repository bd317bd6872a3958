package dev.closedloop.sync.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cluster fixture forms a real cluster, fails over when a master dies, and leaves nothing behind. */
class LocalRedisClusterTest {
  static void requireRedis() {
    if (!LocalRedisCluster.isAvailable() && "true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("redis-server and redis-cli are required under CI=true (Debian: redis-server, redis-tools)");
    }
    assumeTrue(LocalRedisCluster.isAvailable(), "redis-server or redis-cli is not installed");
  }

  @Test
  void threeMastersWithAReplicaEachCoverEverySlotAndAReplicaTakesOverAKilledMaster() {
    requireRedis();
    Path dir;
    List<Integer> ports;
    try (LocalRedisCluster cluster = LocalRedisCluster.start(3, 1)) {
      dir = cluster.directory();
      ports = cluster.livePorts();
      assertThat(ports).hasSize(6).doesNotContain(6379);
      assertThat(cluster.masterPorts()).hasSize(3);
      assertThat(cluster.uris()).hasSize(6).allSatisfy(u -> assertThat(u).startsWith("redis://127.0.0.1:"));
      int master = cluster.masterPortOf("some-key");
      assertThat(cluster.masterPorts()).contains(master);
      assertThat(cluster.replicaPortsOf(master)).hasSize(1);
      cluster.cli(master, "SET", "some-key", "v");
      assertThat(cluster.cli(master, "WAIT", "1", "1000").trim()).isEqualTo("1");

      int promoted = cluster.killMaster(master);
      assertThat(promoted).isNotEqualTo(master);
      assertThat(cluster.masterPortOf("some-key")).isEqualTo(promoted);
      assertThat(cluster.cli(promoted, "GET", "some-key").trim()).as("acknowledged by WAIT, kept").isEqualTo("v");
      assertThat(cluster.livePorts()).hasSize(5).doesNotContain(master);
      assertThatThrownBy(() -> cluster.restart(promoted)).isInstanceOf(IllegalStateException.class)
          .hasMessage("the node on port " + promoted + " is running");
      assertThatThrownBy(() -> cluster.killMaster(promoted)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no running replica");

      cluster.restart(master);
      assertThat(cluster.replicaPortsOf(promoted)).as("back as the new master's replica").containsExactly(master);
      cluster.cli(promoted, "SET", "other", "w");
      assertThat(cluster.cli(promoted, "WAIT", "1", "1000").trim()).isEqualTo("1");
    }
    assertThat(Files.exists(dir)).as("the nodes' directory is deleted").isFalse();
    for (int port : ports) {
      assertThat(isListening(port)).as("port %s is free again", port).isFalse();
    }
  }

  @Test
  void aDetachedReplicaAcknowledgesNothing() {
    requireRedis();
    try (LocalRedisCluster cluster = LocalRedisCluster.start(3, 1)) {
      int master = cluster.masterPortOf("k");
      cluster.detachReplicaOf(master);
      cluster.cli(master, "SET", "k", "v");
      assertThat(cluster.cli(master, "WAIT", "1", "100").trim()).isEqualTo("0");
    }
  }

  @Test
  void sizesAreChecked() {
    assertThatThrownBy(() -> LocalRedisCluster.start(2, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("masters must be between 3 and 16: 2");
    assertThatThrownBy(() -> LocalRedisCluster.start(3, 3)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("replicasPerMaster must be between 0 and 2: 3");
  }

  private static boolean isListening(int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
