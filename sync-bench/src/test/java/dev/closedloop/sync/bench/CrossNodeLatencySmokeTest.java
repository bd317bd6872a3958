package dev.closedloop.sync.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.closedloop.sync.testkit.LocalRedisCluster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * The cross-node programs end to end at a toy size, on the machine's Redis and PostgreSQL and a
 * Redis Cluster of their own: every event reaches node B's client, in order, and every claim
 * of both modes succeeds. Timing is reported, never asserted.
 */
class CrossNodeLatencySmokeTest {
  /** Skips when a service is missing, as the modules' own tests do, except under {@code CI=true}. */
  private static void require(boolean present, String what) {
    if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(what + " is required under CI=true");
    }
    assumeTrue(present, what + " is not available here");
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void everyEventPublishedOnNodeAReachesTheClientOfNodeBThroughEachBus() throws Exception {
    require(listening(6379), "Redis on 127.0.0.1:6379");
    require(listening(5432), "PostgreSQL on 127.0.0.1:5432");
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    Map<String, Histogram> results = CrossNodeLatency.run(
        new String[] {"--events", "50", "--warmup", "10", "--buses", "redis,postgres"},
        new PrintStream(text, true, StandardCharsets.UTF_8));
    assertThat(results).containsOnlyKeys("redis", "postgres")
        .allSatisfy((bus, h) -> assertThat(h.getTotalCount()).as(bus).isEqualTo(50));
    assertThat(text.toString(StandardCharsets.UTF_8)).contains("| redis |", "| postgres |");
  }

  @Test
  void bothModesClaimOnALocalCluster() throws Exception {
    require(LocalRedisCluster.isAvailable(), "redis-server and redis-cli");
    List<RedisClusterWaitCost.Row> rows = RedisClusterWaitCost.run(
        new String[] {"--threads", "2", "--warmup", "0", "--seconds", "1", "--rounds", "1"},
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertThat(rows).hasSize(4).allSatisfy(r -> {
      assertThat(r.perSecond()).isPositive();
      assertThat(r.latency().getTotalCount()).isPositive();
    });
    assertThat(rows).filteredOn(RedisClusterWaitCost.Row::waitForReplicas).hasSize(2);
  }
}
