package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Two demo nodes behind one shared store (what {@link Backends} builds): a retry that lands on
 * the other node is answered from the store, and the other node applies nothing. Needs Redis and
 * PostgreSQL on 127.0.0.1 ({@code SYNC_REDIS_URL}, {@code SYNC_JDBC_URL}); skipped without them,
 * except under {@code CI=true}.
 */
class SharedStoreTest {

  @Test
  void aRetryOnAnotherNodeIsReplayedFromTheRedisStore() throws Exception {
    String url = reachable(System.getenv().getOrDefault("SYNC_REDIS_URL", Backends.DEFAULT_REDIS_URL));
    try (var store = Backends.redisStore(url, "demo-test:" + UUID.randomUUID() + ":")) {
      retryOnAnotherNodeIsReplayed(store);
    }
  }

  @Test
  void aRetryOnAnotherNodeIsReplayedFromThePostgresStore() throws Exception {
    String url = System.getenv().getOrDefault("SYNC_JDBC_URL", Backends.DEFAULT_JDBC_URL);
    reachable("postgresql://" + URI.create(url.substring("jdbc:".length())).getAuthority());
    String table = "demo_idem_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (HikariDataSource pool = Backends.postgresPool(url);
        var store = Backends.postgresStore(pool, table)) {
      try {
        retryOnAnotherNodeIsReplayed(store);
      } finally {
        try (var c = pool.getConnection(); var s = c.createStatement()) {
          s.execute("DROP TABLE IF EXISTS " + table);
        }
      }
    }
  }

  private static void retryOnAnotherNodeIsReplayed(IdempotencyStore store) throws Exception {
    try (DemoServer a = DemoServer.builder().store(store).build().start();
        DemoServer b = DemoServer.builder().store(store).build().start()) {
      HttpResponse<String> first = new TestHttp(a).send("POST", "/api/bookings/1001/confirm", "k-nodes", "{}");
      HttpResponse<String> retry = new TestHttp(b).send("POST", "/api/bookings/1001/confirm", "k-nodes", "{}");

      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(retry.statusCode()).isEqualTo(200);
      assertThat(retry.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
      assertThat(retry.body()).isEqualTo(first.body());
      assertThat(a.state().counters().bookings()).isEqualTo(1);
      assertThat(b.state().counters().bookings()).isZero();
    }
  }

  static String reachable(String url) {
    URI uri = URI.create(url);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 1000);
    } catch (IOException e) {
      String message = url + " is not reachable (" + e.getMessage() + "); start the server or set SYNC_REDIS_URL / SYNC_JDBC_URL";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " (CI=true: a missing server fails the build)");
      }
      Assumptions.abort(message);
    }
    return url;
  }
}
