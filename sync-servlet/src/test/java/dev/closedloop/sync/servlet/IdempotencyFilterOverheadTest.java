package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.time.Ticker;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A simple, honest measurement (not a benchmark, no timed assertion) of what the filter adds per
 * request with a 1 KiB JSON body, in process: Jetty's LocalConnector (no sockets), the same
 * servlet with and without the filter, single-threaded; first requests use a new key each,
 * replays one key. Reported: the median of several rounds of mean time per request. Run with
 * {@code -Dsync.overhead=true} (and {@code -Dsync.overhead.requests=N}); skipped otherwise.
 */
@EnabledIfSystemProperty(named = "sync.overhead", matches = "true")
class IdempotencyFilterOverheadTest {
  private static final String BODY = "{\"items\":\"" + "x".repeat(1024 - 12) + "\"}";

  @Test
  void measureFilterOverheadPerRequest() throws Exception {
    int requests = Integer.getInteger("sync.overhead.requests", 20_000);
    int rounds = 5;
    AtomicLong handled = new AtomicLong();
    HttpServlet app = new HttpServlet() {
      private static final long serialVersionUID = 1L;

      @Override
      protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] in = req.getInputStream().readAllBytes();
        handled.incrementAndGet();
        byte[] out = ("{\"id\":" + handled.get() + ",\"received\":" + in.length + "}").getBytes(StandardCharsets.UTF_8);
        resp.setStatus(201);
        resp.setContentType("application/json");
        resp.setHeader("Location", "/orders/" + handled.get());
        resp.setContentLength(out.length);
        resp.getOutputStream().write(out);
      }
    };
    Server server = new Server();
    LocalConnector connector = new LocalConnector(server);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    IdempotencyFilter filter = IdempotencyFilter.builder()
        .store(InMemoryIdempotencyStore.builder().maxEntries(1_000_000).maxBytes(1L << 30).build())
        .requireKey("/keyed/*").build();
    context.addFilter(new FilterHolder(filter), "/keyed/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(app), "/*");
    server.setHandler(context);
    server.start();
    try {
      long[] plain = new long[rounds];
      long[] first = new long[rounds];
      long[] replay = new long[rounds];
      run(connector, "/plain/orders", null, requests, 0); // warm-up
      run(connector, "/keyed/orders", "warm", requests, 0);
      run(connector, "/keyed/orders", null, 1, -1); // create the replay key
      for (int r = 0; r < rounds; r++) {
        plain[r] = run(connector, "/plain/orders", null, requests, 0);
        first[r] = run(connector, "/keyed/orders", "r" + r + "-", requests, 0);
        replay[r] = run(connector, "/keyed/orders", null, requests, -1);
      }
      long p = median(plain);
      long f = median(first);
      long rp = median(replay);
      System.out.printf("IdempotencyFilter overhead, 1 KiB JSON body, %d requests x %d rounds (median of round means):%n",
          requests, rounds);
      System.out.printf("  without filter : %6.1f us/request%n", p / 1000.0);
      System.out.printf("  first request  : %6.1f us/request (+%.1f us)%n", f / 1000.0, (f - p) / 1000.0);
      System.out.printf("  replay         : %6.1f us/request (%+.1f us)%n", rp / 1000.0, (rp - p) / 1000.0);
      System.out.println("  " + filter.stats());
      assertThat(filter.stats().first()).isEqualTo((long) requests * (rounds + 1) + 1);
      assertThat(filter.stats().replayed()).isEqualTo((long) requests * rounds);
    } finally {
      server.stop();
    }
  }

  /**
   * Sends {@code n} requests and returns the mean nanoseconds per request. {@code keyPrefix}
   * null and {@code mode} -1: the one replay key; a prefix: a new key per request; null and 0:
   * no key.
   */
  private static long run(LocalConnector connector, String path, String keyPrefix, int n, int mode) throws Exception {
    Ticker ticker = Ticker.system();
    long start = ticker.read();
    for (int i = 0; i < n; i++) {
      String key = mode == -1 ? "Idempotency-Key: replay-key\r\n"
          : keyPrefix == null ? "" : "Idempotency-Key: " + keyPrefix + i + "\r\n";
      String request = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + key + "Content-Length: " + BODY.length() + "\r\n\r\n" + BODY;
      String response = connector.getResponse(request);
      if (response == null || !response.startsWith("HTTP/1.1 201")) {
        throw new AssertionError("unexpected response: " + response);
      }
    }
    return (ticker.read() - start) / n;
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
