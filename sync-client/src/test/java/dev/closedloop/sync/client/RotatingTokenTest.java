package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.queue.QueuedItem;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bearer tokens that rotate, over real HTTP: the server (embedded Jetty with the idempotency
 * filter and the SSE servlet behind a bearer check) accepts only its current token and answers
 * 401 to the old one. The realtime client asks its header supplier on every connect; the offline
 * sync asks its supplier on every replay and, on a 401, waits for a new token before replaying
 * with the same key.
 */
class RotatingTokenTest {
  private final AtomicReference<String> serverToken = new AtomicReference<>("t1");
  private final AtomicReference<String> clientToken = new AtomicReference<>("t1");
  /** Every request the bearer check saw: "token key-or-path status". */
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final AtomicInteger applied = new AtomicInteger();
  private final InProcessRealtimeBus bus = InProcessRealtimeBus.builder().build();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Server server;
  private int port;
  private OfflineQueue queue;
  private OfflineSync sync;
  private RealtimeClient realtime;

  /** Refuses any bearer but the server's current one with 401, as a resource server does. */
  final class BearerCheck implements Filter {
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      HttpServletRequest req = (HttpServletRequest) request;
      String auth = req.getHeader("Authorization");
      String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : "none";
      String what = FaultFilter.keyOf(req) != null ? FaultFilter.keyOf(req) : req.getRequestURI();
      if (!token.equals(serverToken.get())) {
        seen.add(token + " " + what + " 401");
        HttpServletResponse resp = (HttpServletResponse) response;
        resp.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        TestServer.write(resp, 401, "application/problem+json",
            "{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"token expired\"}");
        return;
      }
      seen.add(token + " " + what + " ok");
      chain.doFilter(request, response);
    }
  }

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler ctx = new ServletContextHandler();
    ctx.setContextPath("/");
    ctx.addFilter(new FilterHolder(new BearerCheck()), "/*", EnumSet.of(DispatcherType.REQUEST));
    IdempotencyFilter.builder().requireKey("/api/*").build().register(ctx.getServletContext(), "/api/*");
    ctx.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        applied.incrementAndGet();
        TestServer.write(resp, 201, "application/json", "{\"saved\":true}");
      }
    }), "/api/*");
    ServletHolder sse = new ServletHolder(RealtimeSseServlet.builder(bus).retry(Duration.ZERO).build());
    sse.setAsyncSupported(true);
    ctx.addServlet(sse, "/sse");
    server.setHandler(ctx);
    server.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    if (realtime != null) {
      realtime.close();
    }
    if (sync != null) {
      sync.close();
    }
    if (queue != null) {
      queue.close();
    }
    server.stop();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private OfflineSync sync(UnauthorizedHandler onUnauthorized) {
    queue = OfflineQueue.builder().buildInMemory();
    OfflineSyncBuilder b = OfflineSync.builder(queue).httpClient(http).autoSync(false)
        .secretHeaders(request -> Map.of("Authorization", "Bearer " + clientToken.get()));
    if (onUnauthorized != null) {
      b.onUnauthorized(onUnauthorized, Duration.ofSeconds(5));
    }
    sync = b.build();
    return sync;
  }

  private QueuedRequest request(String key) {
    return QueuedRequest.of("save", "POST", uri("/api/items"), key, "{}".getBytes(StandardCharsets.UTF_8))
        .withHeaders(Map.of("Content-Type", "application/json"));
  }

  @Test
  void aReplayRefusedWith401WaitsForANewTokenAndReplaysWithTheSameKey() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    OfflineSync s = sync((request, refused) -> {
      asked.incrementAndGet();
      assertThat(refused.status()).isEqualTo(401);
      // the token service answers later, on another thread
      return CompletableFuture.supplyAsync(() -> {
        clientToken.set("t2");
        return true;
      }, CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS));
    });
    s.enqueue(request("k-1"));
    serverToken.set("t2"); // rotated on the server: t1 is refused from now on

    SyncSummary summary = s.syncNow().get(20, TimeUnit.SECONDS);

    assertThat(summary.replayed()).isEqualTo(1);
    assertThat(summary.deadLettered()).isZero();
    assertThat(asked).hasValue(1);
    assertThat(seen).containsExactly("t1 k-1 401", "t2 k-1 ok");
    assertThat(applied).hasValue(1);
    assertThat(queue.pending()).isEmpty();
  }

  @Test
  void noNewTokenOrASecond401MakesADeadLetterWithTheReason() throws Exception {
    OfflineSync s = sync((request, refused) -> CompletableFuture.completedFuture(
        request.idempotencyKey().equals("k-again"))); // a "new" token that the server refuses too
    serverToken.set("t9");
    s.enqueue(request("k-declined"));
    s.enqueue(request("k-again"));

    SyncSummary summary = s.syncNow().get(20, TimeUnit.SECONDS);

    assertThat(summary.deadLettered()).isEqualTo(2);
    assertThat(applied).hasValue(0);
    assertThat(seen).containsExactly("t1 k-declined 401", "t1 k-again 401", "t1 k-again 401");
    assertThat(queue.deadLetters()).extracting(QueuedItem::lastError).containsExactlyInAnyOrder(
        "HTTP 401 about:blank: token expired; no new credential: the handler declined",
        "HTTP 401 about:blank: token expired (again, with a new credential)");
  }

  @Test
  void withoutAHandlerA401IsADeadLetterAtOnceNotARetry() throws Exception {
    OfflineSync s = sync(null);
    serverToken.set("t2");
    s.enqueue(request("k-1"));
    assertThat(s.syncNow().get(20, TimeUnit.SECONDS).deadLettered()).isEqualTo(1);
    assertThat(seen).containsExactly("t1 k-1 401");
  }

  @Test
  void theRealtimeClientPicksUpARotatedTokenOnReconnectWhileTheServerRefusesTheOldOne() throws Exception {
    List<ChangeEvent> events = new CopyOnWriteArrayList<>();
    AtomicInteger supplied = new AtomicInteger();
    realtime = RealtimeClient.builder(uri("/sse")).topics("items").httpClient(http)
        .reconnectPolicy(RetryPolicy.builder().initialDelay(Duration.ofMillis(50)).maxDelay(Duration.ofMillis(200))
            .build())
        .headers(() -> {
          supplied.incrementAndGet();
          return Map.of("Authorization", "Bearer " + clientToken.get());
        })
        .listener(new RealtimeClientListener() {
          @Override
          public void onEvent(ChangeEvent event) {
            events.add(event);
          }
        })
        .build();
    realtime.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> realtime.state() == RealtimeClient.State.CONNECTED);
    bus.publish(ChangeDraft.insert("items", "a", "{}"));
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);

    serverToken.set("t2");     // the server rotates: t1 is refused from now on
    realtime.dropConnection(); // the stream breaks; the client reconnects with t1 and gets 401s
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("t1 /sse 401"));
    bus.publish(ChangeDraft.insert("items", "b", "{}")); // published while the client is out
    assertThat(realtime.state()).as("a 401 with a supplier is not final").isNotEqualTo(RealtimeClient.State.FAILED);

    clientToken.set("t2");     // the client's token source rotates too
    await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
    assertThat(events.get(1).key()).isEqualTo("b");
    assertThat(realtime.state()).isEqualTo(RealtimeClient.State.CONNECTED);
    assertThat(seen).filteredOn(s -> s.startsWith("t2 /sse")).containsOnly("t2 /sse ok");
    assertThat(supplied.get()).as("asked on every connect").isEqualTo(
        (int) seen.stream().filter(s -> s.contains("/sse")).count());
  }

  @Test
  void theHooksAreValidatedWithFixedMessages() {
    OfflineSyncBuilder b = OfflineSync.builder(OfflineQueue.builder().buildInMemory());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.onUnauthorized(null, Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class).hasMessage("handler cannot be null");
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> b.onUnauthorized((r, e) -> CompletableFuture.completedFuture(true), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxWait must be positive: PT0S");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RealtimeClient.builder(uri("/sse")).headers(null))
        .isInstanceOf(NullPointerException.class).hasMessage("supplier cannot be null");
  }
}
