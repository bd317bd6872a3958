package dev.closedloop.sync.redis;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import dev.closedloop.sync.testkit.LocalRedisCluster;

/**
 * The Redis Clusters of the cluster tests, started from the machine's {@code redis-server} on
 * loopback ports of their own (never the shared server on 6379). Tests that only use a cluster
 * share one, started on first use and stopped when the test JVM exits; tests that kill nodes
 * start their own. Without {@code redis-server} the tests are skipped, except under {@code
 * CI=true}, where they fail.
 */
final class ClusterTestSupport {
  private static LocalRedisCluster shared;

  private ClusterTestSupport() {}

  /** The cluster shared by tests that kill no node: 3 masters with a replica each. */
  static synchronized LocalRedisCluster shared() {
    if (shared == null) {
      shared = startOwn();
    }
    return shared;
  }

  /** A cluster of the caller's own, 3 masters with a replica each; the caller closes it. */
  static LocalRedisCluster startOwn() {
    if (!LocalRedisCluster.isAvailable()) {
      String message = "redis-server or redis-cli is not installed (Debian: apt-get install redis-server"
          + " redis-tools); the Redis Cluster tests start a cluster of their own from it";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + ". CI=true: a missing redis-server fails the build.");
      }
      abort(message);
    }
    return LocalRedisCluster.start(3, 1);
  }

  /** The cluster's nodes as seed URIs. */
  static String[] seeds(LocalRedisCluster cluster) {
    return cluster.uris().toArray(new String[0]);
  }
}
