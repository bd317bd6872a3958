package dev.closedloop.sync.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.jdbc.JdbcIdempotencyStore;
import dev.closedloop.sync.jdbc.PostgresRealtimeBus;
import dev.closedloop.sync.redis.RedisIdempotencyStore;
import dev.closedloop.sync.redis.RedisRealtimeBus;
import dev.closedloop.sync.time.Scheduler;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * The shared backends that let the demo run on several nodes: an idempotency store in Redis or
 * in PostgreSQL, so that a retry landing on another node finds the first node's claim or
 * response. Swap the in-memory store for one of these in {@link DemoServer.Builder#store}.
 *
 * <p>This class is threadsafe.
 */
final class Backends {
  /** Where the demo looks for Redis unless {@code SYNC_REDIS_URL} says otherwise. */
  static final String DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
  /** Where the demo looks for PostgreSQL unless {@code SYNC_JDBC_URL} says otherwise. */
  static final String DEFAULT_JDBC_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  private Backends() {}

  /** An idempotency store in Redis: one hash per key, scripts for claim/complete/release. */
  static RedisIdempotencyStore redisStore(String redisUrl, String keyPrefix) {
    return RedisIdempotencyStore.builder()
        .uri(redisUrl)                      // e.g. redis://127.0.0.1:6379
        .keyPrefix(keyPrefix)               // e.g. "demo:idem:"; no {hash tags} on Redis Cluster
        .commandTimeout(Duration.ofSeconds(2))
        .build();
  }

  /** A small connection pool for the PostgreSQL store (autocommit, READ COMMITTED: the defaults). */
  static HikariDataSource postgresPool(String jdbcUrl) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);             // e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres
    config.setMaximumPoolSize(8);
    config.setPoolName("demo-idempotency");
    return new HikariDataSource(config);
  }

  /** An idempotency store in one PostgreSQL table, in database time, with a reaper. */
  static JdbcIdempotencyStore postgresStore(DataSource dataSource, String tableName) {
    return JdbcIdempotencyStore.builder()
        .dataSource(dataSource)
        .tableName(tableName)               // e.g. "demo_idempotency"
        .createSchema(true)                 // or run the shipped idempotency-v1.sql in your migrations
        .reaper(Scheduler.system(), Duration.ofMinutes(1))
        .build();
  }

  /**
   * A realtime bus on Redis Streams: every node that shares the prefix sees every event, and a
   * client resumes on any node.
   */
  static RedisRealtimeBus redisBus(String redisUrl, String keyPrefix) {
    return RedisRealtimeBus.builder()
        .uri(redisUrl)                      // e.g. redis://127.0.0.1:6379
        .keyPrefix(keyPrefix)               // e.g. "demo:rt:"
        .maxEventsPerTopic(10_000)          // the replay window kept in each stream
        .build();
  }

  /**
   * A realtime bus on PostgreSQL: an outbox table is the truth, {@code NOTIFY} only rings the
   * doorbell, so a node that was away catches up from the table.
   */
  static PostgresRealtimeBus postgresBus(DataSource dataSource, String tableName) {
    return PostgresRealtimeBus.builder()
        .dataSource(dataSource)
        .tableName(tableName)               // e.g. "demo_outbox"
        .createSchema(true)                 // or run the shipped realtime-v1.sql in your migrations
        .maxEventsPerTopic(10_000)          // the replay window kept per topic
        .build();
  }
}
