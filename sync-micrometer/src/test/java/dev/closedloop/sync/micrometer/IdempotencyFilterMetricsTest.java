package dev.closedloop.sync.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.time.ManualTicker;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real {@link IdempotencyFilter} on embedded Jetty, driven over HTTP through a first request,
 * a replay, a mismatch, a conflict, a refusal, a release and a store failure; then the meters of
 * {@link IdempotencyFilterMetrics} (and of {@link IdempotencyStoreMetrics} on its store) hold
 * exactly those counts.
 */
class IdempotencyFilterMetricsTest {
  static final Duration CLAIM_TIME = Duration.ofMillis(3);

  final ManualTicker ticker = new ManualTicker();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.ofDefaults();
  final CountDownLatch slowEntered = new CountDownLatch(1);
  final CountDownLatch slowRelease = new CountDownLatch(1);
  final AtomicInteger orders = new AtomicInteger();
  IdempotencyFilter filter;
  TestServer server;

  @BeforeEach
  void start() throws Exception {
    IdempotencyFilterMetrics metrics = new IdempotencyFilterMetrics(registry, "api");
    filter = metrics.build(IdempotencyFilter.builder().store(new TimedStore(memory, ticker)).ticker(ticker));
    new IdempotencyStoreMetrics(memory, "api").bindTo(registry);
    server = TestServer.start(context -> {
      FilterHolder holder = new FilterHolder(filter);
      holder.setAsyncSupported(true);
      context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
      context.addServlet(new ServletHolder(new Orders()), "/orders");
      context.addServlet(new ServletHolder(new Failing()), "/fail");
      context.addServlet(new ServletHolder(new Slow()), "/slow");
    });
  }

  @AfterEach
  void stop() throws Exception {
    slowRelease.countDown();
    if (server != null) {
      server.close();
    }
  }

  double requests(String outcome) {
    return registry.get("sync.idempotency.requests").tags("name", "api", "outcome", outcome).functionCounter().count();
  }

  double counter(String name) {
    return registry.get(name).tag("name", "api").functionCounter().count();
  }

  Timer claims(String outcome) {
    return registry.get("sync.idempotency.claims").tags("name", "api", "outcome", outcome).timer();
  }

  @Test
  void everyOutcomeOfRealRequestsIsCountedOnceAndEveryClaimTimed() throws Exception {
    HttpResponse<String> first = server.send(server.post("/orders", "k1", "{\"a\":1}").build());
    HttpResponse<String> replay = server.send(server.post("/orders", "k1", "{\"a\":1}").build());
    HttpResponse<String> mismatch = server.send(server.post("/orders", "k1", "{\"a\":2}").build());
    HttpResponse<String> malformed = server.send(server.post("/orders", "\"unterminated", "{}").build());
    HttpResponse<String> failed = server.send(server.post("/fail", "k2", "{}").build());
    HttpResponse<String> storeDown = server.send(server.post("/orders", "store-down", "{}").build());

    CompletableFuture<HttpResponse<String>> slow =
        server.client.sendAsync(server.post("/slow", "k3", "{}").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(slowEntered.await(10, TimeUnit.SECONDS)).isTrue();
    HttpResponse<String> conflict = server.send(server.post("/slow", "k3", "{}").build());
    slowRelease.countDown();
    HttpResponse<String> slowDone = slow.get(10, TimeUnit.SECONDS);

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(replay.statusCode()).isEqualTo(201);
    assertThat(replay.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).contains("true");
    assertThat(mismatch.statusCode()).isEqualTo(422);
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(failed.statusCode()).isEqualTo(500);
    assertThat(storeDown.statusCode()).isEqualTo(503);
    assertThat(conflict.statusCode()).isEqualTo(409);
    assertThat(slowDone.statusCode()).isEqualTo(201);
    assertThat(orders.get()).isEqualTo(2); // k1 and k3 ran once each

    assertThat(requests("first")).isEqualTo(3);
    assertThat(requests("replayed")).isEqualTo(1);
    assertThat(requests("mismatch")).isEqualTo(1);
    assertThat(requests("conflict")).isEqualTo(1);
    assertThat(requests("rejected")).isEqualTo(1);
    assertThat(requests("not_replayable")).isZero();
    assertThat(counter("sync.idempotency.stored")).isEqualTo(2);
    assertThat(counter("sync.idempotency.stored.bytes")).isEqualTo(filter.stats().storedBytes()).isGreaterThan(0);
    assertThat(counter("sync.idempotency.released")).isEqualTo(1);
    assertThat(counter("sync.idempotency.ownership.lost")).isZero();
    assertThat(counter("sync.idempotency.store.failures")).isEqualTo(1);

    assertThat(claims("claimed").count()).isEqualTo(3);
    assertThat(claims("completed").count()).isEqualTo(1);
    assertThat(claims("mismatch").count()).isEqualTo(1);
    assertThat(claims("in_progress").count()).isEqualTo(1);
    assertThat(claims("claimed").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3 * CLAIM_TIME.toMillis());
    assertThat(claims("in_progress").max(TimeUnit.MILLISECONDS)).isEqualTo(CLAIM_TIME.toMillis());

    // The store saw the same traffic (the failed claim never reached it).
    assertThat(registry.get("sync.idempotency.store.claims").tags("name", "api", "outcome", "claimed")
        .functionCounter().count()).isEqualTo(3);
    assertThat(registry.get("sync.idempotency.store.settlements").tags("name", "api", "outcome", "released")
        .functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("sync.idempotency.store.entries").tag("name", "api").gauge().value()).isEqualTo(2);
  }

  @Test
  void aFilterBoundWithoutTheListenerCountsRequestsButTimesNoClaim() throws Exception {
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    IdempotencyFilter plain = IdempotencyFilter.builder().store(memory).build();
    new IdempotencyFilterMetrics(other, "plain").bind(plain);

    assertThat(other.get("sync.idempotency.requests").tags("outcome", "first").functionCounter().count()).isZero();
    assertThat(other.get("sync.idempotency.claims").timers()).allSatisfy(t -> assertThat(t.count()).isZero());
    assertThat(other.get("sync.idempotency.requests").functionCounters()).hasSize(6);
  }

  @Test
  void aFilterNotYetInitialisedByItsContainerReadsZero() {
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    new IdempotencyFilterMetrics(other, "web-xml").bind(new IdempotencyFilter());

    assertThat(other.get("sync.idempotency.requests").functionCounters())
        .hasSize(6)
        .allSatisfy(c -> assertThat(c.count()).isZero());
    assertThat(other.get("sync.idempotency.stored").functionCounter().count()).isZero();
  }

  /** The in-memory store, taking {@link #CLAIM_TIME} of the filter's ticker per claim; "store-down" fails. */
  record TimedStore(IdempotencyStore delegate, ManualTicker ticker) implements IdempotencyStore {
    @Override
    public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
      ticker.advance(CLAIM_TIME);
      if (key.clientKey().equals("store-down")) {
        throw new IllegalStateException("store unreachable");
      }
      return delegate.claim(key, fingerprint, lease);
    }

    @Override
    public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
      return delegate.complete(key, token, response, retention);
    }

    @Override
    public boolean release(IdempotencyKey key, String token) {
      return delegate.release(key, token);
    }

    @Override
    public long maxResponseBytes() {
      return delegate.maxResponseBytes();
    }
  }

  final class Orders extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      int id = orders.incrementAndGet();
      resp.setStatus(201);
      resp.setContentType("application/json");
      resp.getOutputStream().write(("{\"order\":" + id + "}").getBytes(StandardCharsets.UTF_8));
    }
  }

  static final class Failing extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws ServletException {
      throw new ServletException("the handler failed (expected by the test)");
    }
  }

  final class Slow extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      slowEntered.countDown();
      try {
        if (!slowRelease.await(10, TimeUnit.SECONDS)) {
          resp.sendError(504);
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        resp.sendError(503);
        return;
      }
      orders.incrementAndGet();
      resp.setStatus(201);
      resp.getOutputStream().write("{}".getBytes(StandardCharsets.UTF_8));
    }
  }
}
