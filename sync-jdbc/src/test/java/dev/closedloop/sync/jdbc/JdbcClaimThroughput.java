package dev.closedloop.sync.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.testkit.StoreThroughput;
import java.time.Duration;

/**
 * Claims per second (claim + complete of distinct keys) through one store and a pool of N
 * connections, from N threads. Not a test: run it by hand.
 *
 * <pre>
 * java -cp ... dev.closedloop.sync.jdbc.JdbcClaimThroughput [threads=8] [seconds=10] [warmupSeconds=3] [pair|claim]
 * </pre>
 */
public final class JdbcClaimThroughput {
  private JdbcClaimThroughput() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    boolean complete = args.length <= 3 || !args[3].equals("claim");
    String url = System.getenv().getOrDefault("SYNC_JDBC_URL", JdbcTestSupport.DEFAULT_URL);
    String schema = JdbcTestSupport.newSchemaName();
    JdbcTestSupport.createSchema(url, schema);
    try (HikariDataSource pool = JdbcTestSupport.pool(url, "cls-bench", threads);
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(pool)
            .tableName(schema + ".idem").createSchema(true).build()) {
      StoreThroughput.Result r = StoreThroughput.claims(store, threads, Duration.ofSeconds(warmup),
          Duration.ofSeconds(seconds), complete);
      System.out.printf("jdbc store: %d threads, %.0f claims/s (%s), %d in %.1f s%n",
          threads, r.perSecond(), complete ? "claim+complete" : "claim only", r.operations(), r.seconds());
    } finally {
      JdbcTestSupport.dropSchema(url, schema);
    }
  }
}
