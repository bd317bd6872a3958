package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The filter through real HTTP: embedded Jetty 12 on loopback, java.net.http client. */
class IdempotencyFilterHttpTest {
  private static final List<String> REPLAYED_HEADERS = List.of("content-type", "location", "etag", "link");

  private final OrdersServlet app = new OrdersServlet();
  private TestServer server;
  private IdempotencyFilter filter;

  private void start(IdempotencyFilterBuilder builder) throws Exception {
    filter = builder.build();
    server = TestServer.start(context -> {
      filter.register(context.getServletContext(), "/*");
      ServletHolder holder = new ServletHolder(app);
      holder.setAsyncSupported(true);
      context.addServlet(holder, "/*");
    });
  }

  private void start() throws Exception {
    start(IdempotencyFilter.builder().requireKey("/orders/*").optionalKey("/open/*"));
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private static void assertProblem(HttpResponse<byte[]> r, int status, String type) {
    assertThat(r.statusCode()).as(text(r)).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(text(r)).contains("\"type\":\"" + type + "\"").contains("\"status\":" + status);
  }

  private static void assertSameResponse(HttpResponse<byte[]> replay, HttpResponse<byte[]> first) {
    assertThat(replay.statusCode()).isEqualTo(first.statusCode());
    assertThat(replay.body()).isEqualTo(first.body());
    for (String h : REPLAYED_HEADERS) {
      assertThat(replay.headers().allValues(h)).as(h).isEqualTo(first.headers().allValues(h));
    }
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
  }

  // ---- exactly once -------------------------------------------------------------------------

  @Test
  void sixtyFourConcurrentIdenticalRequestsRunTheHandlerOnce() throws Exception {
    AtomicInteger conflicts = new AtomicInteger();
    CountDownLatch halfRefused = new CountDownLatch(1);
    start(IdempotencyFilter.builder().requireKey("/orders/*").listener(new IdempotencyFilterListener() {
      @Override
      public void onConflict(IdempotencyKey key, Duration retryAfter) {
        if (conflicts.incrementAndGet() == 32) {
          halfRefused.countDown();
        }
      }
    }));
    app.hold = halfRefused; // the handler answers once 32 callers were refused while it ran

    int callers = 64;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    List<HttpResponse<byte[]>> responses = new ArrayList<>();
    try {
      List<Future<HttpResponse<byte[]>>> futures = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        futures.add(pool.submit(() -> {
          go.await();
          return server.post("/orders", "race-1", "{\"item\":\"book\"}");
        }));
      }
      go.countDown();
      for (Future<HttpResponse<byte[]>> f : futures) {
        responses.add(f.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(app.calls("/orders")).isEqualTo(1);
    List<HttpResponse<byte[]>> created = responses.stream().filter(r -> r.statusCode() == 201).toList();
    List<HttpResponse<byte[]>> refused = responses.stream().filter(r -> r.statusCode() == 409).toList();
    assertThat(created.size() + refused.size()).isEqualTo(callers);
    assertThat(refused.size()).isGreaterThanOrEqualTo(32);
    assertThat(created).isNotEmpty();
    for (HttpResponse<byte[]> r : refused) {
      assertProblem(r, 409, IdempotencyFilter.PROBLEM_KEY_IN_USE);
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
    }
    HttpResponse<byte[]> original = created.stream()
        .filter(r -> r.headers().firstValue("Idempotent-Replayed").isEmpty()).findFirst().orElseThrow();
    assertThat(created.stream().filter(r -> r.headers().firstValue("Idempotent-Replayed").isEmpty())).hasSize(1);
    for (HttpResponse<byte[]> r : created) {
      if (r != original) {
        assertSameResponse(r, original);
      }
    }
    // after completion every replay is the first response, byte for byte
    for (int i = 0; i < 5; i++) {
      assertSameResponse(server.post("/orders", "race-1", "{\"item\":\"book\"}"), original);
    }
    assertThat(app.calls("/orders")).isEqualTo(1);
    assertThat(filter.stats().first()).isEqualTo(1);
    assertThat(filter.stats().conflicts()).isEqualTo(refused.size());
  }

  @Test
  void replayCarriesOnlyAllowListedHeaders() throws Exception {
    start();
    HttpResponse<byte[]> first = server.post("/orders", "k-headers", "{\"a\":1}");
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(first.headers().allValues("Set-Cookie")).hasSize(1);
    assertThat(first.headers().firstValue("Authorization")).isPresent();

    HttpResponse<byte[]> replay = server.post("/orders", "k-headers", "{\"a\":1}");
    assertSameResponse(replay, first);
    assertThat(replay.headers().allValues("Set-Cookie")).isEmpty();
    assertThat(replay.headers().firstValue("Authorization")).isEmpty();
    assertThat(replay.headers().firstValue("WWW-Authenticate")).isEmpty();
    assertThat(replay.headers().firstValue("X-Request-Private")).isEmpty();
    assertThat(replay.headers().allValues("Link")).hasSize(2);
    assertThat(text(replay)).contains("\"key\":\"k-headers\"").contains("\"scope\":\"anonymous\"");
    assertThat(app.calls("/orders")).isEqualTo(1);
  }

  @Test
  void configuredExtraHeaderIsReplayed() throws Exception {
    start(IdempotencyFilter.builder().replayHeaders("X-Request-Private"));
    HttpResponse<byte[]> first = server.post("/orders", "k-extra", "{}");
    HttpResponse<byte[]> replay = server.post("/orders", "k-extra", "{}");
    assertThat(replay.headers().firstValue("X-Request-Private")).isEqualTo(first.headers().firstValue("X-Request-Private"))
        .isPresent();
  }

  @Test
  void userBWithUserAsKeyNeverReceivesAsResponse() throws Exception {
    start();
    HttpResponse<byte[]> alice = server.send(HttpRequest.newBuilder(server.uri("/orders"))
        .header("Idempotency-Key", "shared").header(TestServer.USER_HEADER, "alice")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    HttpResponse<byte[]> bob = server.send(HttpRequest.newBuilder(server.uri("/orders"))
        .header("Idempotency-Key", "shared").header(TestServer.USER_HEADER, "bob")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    assertThat(alice.statusCode()).isEqualTo(201);
    assertThat(bob.statusCode()).isEqualTo(201);
    assertThat(bob.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(text(alice)).contains("\"scope\":\"principal:alice\"");
    assertThat(text(bob)).contains("\"scope\":\"principal:bob\"").isNotEqualTo(text(alice));
    assertThat(app.calls("/orders")).isEqualTo(2);
  }

  // ---- mismatches and bad keys --------------------------------------------------------------

  @Test
  void sameKeyWithAnotherBodyIs422() throws Exception {
    start();
    assertThat(server.post("/orders", "k-body", "{\"n\":1}").statusCode()).isEqualTo(201);
    assertProblem(server.post("/orders", "k-body", "{\"n\":2}"), 422, IdempotencyFilter.PROBLEM_KEY_REUSED);
    assertThat(app.totalCalls()).isEqualTo(1);
  }

  @Test
  void sameKeyOnAnotherPathIs422() throws Exception {
    start();
    assertThat(server.post("/orders", "k-path", "{}").statusCode()).isEqualTo(201);
    assertProblem(server.post("/orders/other", "k-path", "{}"), 422, IdempotencyFilter.PROBLEM_KEY_REUSED);
    assertProblem(server.post("/orders?x=1", "k-path", "{}"), 422, IdempotencyFilter.PROBLEM_KEY_REUSED);
    assertThat(app.totalCalls()).isEqualTo(1);
  }

  @Test
  void noKeyOnARequiredRouteIs400() throws Exception {
    start();
    HttpResponse<byte[]> r = server.send(HttpRequest.newBuilder(server.uri("/orders/new"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    assertProblem(r, 400, IdempotencyFilter.PROBLEM_KEY_MISSING);
    assertThat(app.totalCalls()).isZero();
  }

  @Test
  void noKeyOnAnOptionalRoutePassesThroughEveryTime() throws Exception {
    start();
    for (int i = 0; i < 2; i++) {
      HttpResponse<byte[]> r = server.send(HttpRequest.newBuilder(server.uri("/open/thing"))
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
      assertThat(r.statusCode()).isEqualTo(201);
      assertThat(r.headers().allValues("Set-Cookie")).hasSize(1);
    }
    assertThat(app.calls("/open/thing")).isEqualTo(2);
  }

  @Test
  void getRequestsPassThroughEvenWithAKey() throws Exception {
    start();
    for (int i = 0; i < 2; i++) {
      server.send(HttpRequest.newBuilder(server.uri("/orders/list")).header("Idempotency-Key", "k-get").GET().build());
    }
    assertThat(app.calls("/orders/list")).isEqualTo(2);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
      "Idempotency-Key: \r\n",
      "Idempotency-Key: \"\"\r\n",
      "Idempotency-Key: 256CHARS\r\n",
      "Idempotency-Key: ab\u0001cd\r\n",
      "Idempotency-Key: \"ab\tcd\"\r\n",
      "Idempotency-Key: cl\u00e9\r\n",
      "Idempotency-Key: \"cl\u00c3\u00a9\"\r\n",
      "Idempotency-Key: \"unterminated\r\n",
      "Idempotency-Key: \"a\\x\"\r\n",
      "Idempotency-Key: a b\r\n",
      "Idempotency-Key: \"a\", \"b\"\r\n",
      "Idempotency-Key: \"a\";p=1\r\n",
      "Idempotency-Key: one\r\nIdempotency-Key: one\r\n",
      "Idempotency-Key: one\r\nX-Idempotency-Key: two\r\n",
      "X-Idempotency-Key: one\r\nX-Idempotency-Key: two\r\n",
  })
  void malformedKeysAre400AndTheHandlerNeverRuns(String headers) throws Exception {
    start();
    String head = "POST /orders HTTP/1.1\r\n" + headers.replace("256CHARS", "k".repeat(256));
    assertThat(server.rawStatus(head, "{}")).isEqualTo(400);
    assertThat(app.totalCalls()).isZero();
    assertThat(filter.stats().first()).isZero();
  }

  @Test
  void malformedKeyIsAnsweredWithAProblemNamingTheReason() throws Exception {
    start();
    HttpResponse<byte[]> r = server.post("/orders", "\"unterminated", "{}");
    assertProblem(r, 400, IdempotencyFilter.PROBLEM_KEY_INVALID);
    assertThat(text(r)).contains("unterminated sf-string");
  }

  @Test
  void keyOf255CharactersAndAQuotedKeyAreAccepted() throws Exception {
    start();
    assertThat(server.post("/orders", "k".repeat(255), "{}").statusCode()).isEqualTo(201);
    HttpResponse<byte[]> quoted = server.post("/orders", "\"k-\\\"q\\\\\"", "{}");
    assertThat(quoted.statusCode()).isEqualTo(201);
    assertThat(text(quoted)).contains("k-\"q\\");
    // the same key as bare token and legacy header replays
    HttpResponse<byte[]> legacy = server.send(HttpRequest.newBuilder(server.uri("/orders"))
        .header("X-Idempotency-Key", "k".repeat(255)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    assertThat(legacy.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(app.calls("/orders")).isEqualTo(2);
  }

  @Test
  void uuidOnlyModeRefusesOtherKeys() throws Exception {
    start(IdempotencyFilter.builder().uuidKeysOnly(true));
    assertProblem(server.post("/orders", "not-a-uuid", "{}"), 400, IdempotencyFilter.PROBLEM_KEY_INVALID);
    assertThat(server.post("/orders", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "{}").statusCode()).isEqualTo(201);
  }

  // ---- what is stored and what is released --------------------------------------------------

  @Test
  void handlerThatThrowsReleasesTheClaimSoARetryRunsAgain() throws Exception {
    start();
    HttpResponse<byte[]> first = server.post("/orders/throw", "k-throw", "{}");
    assertThat(first.statusCode()).isEqualTo(500);
    HttpResponse<byte[]> second = server.post("/orders/throw", "k-throw", "{}");
    assertThat(second.statusCode()).isEqualTo(500);
    assertThat(second.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(app.calls("/orders/throw")).isEqualTo(2);
    assertThat(filter.stats().released()).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(ints = {503, 500, 502, 429, 409, 408})
  void transientStatusesReleaseTheClaim(int status) throws Exception {
    start();
    assertThat(server.post("/orders/status?code=" + status, "k-" + status, "{}").statusCode()).isEqualTo(status);
    HttpResponse<byte[]> retry = server.post("/orders/status?code=" + status, "k-" + status, "{}");
    assertThat(retry.statusCode()).isEqualTo(status);
    assertThat(text(retry)).isEqualTo("{\"call\":2}");
    assertThat(app.calls("/orders/status")).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 204, 400, 404, 410, 422})
  void successesAndDeterministicClientErrorsAreStored(int status) throws Exception {
    start();
    HttpResponse<byte[]> first = server.post("/orders/status?code=" + status, "k-" + status, "{}");
    HttpResponse<byte[]> replay = server.post("/orders/status?code=" + status, "k-" + status, "{}");
    assertSameResponse(replay, first);
    assertThat(app.calls("/orders/status")).isEqualTo(1);
  }

  @Test
  void serverErrorIsStoredWhenConfiguredToKeepIt() throws Exception {
    start(IdempotencyFilter.builder().storeServerErrors(true));
    HttpResponse<byte[]> first = server.post("/orders/status?code=500", "k-500", "{}");
    HttpResponse<byte[]> replay = server.post("/orders/status?code=500", "k-500", "{}");
    assertThat(first.statusCode()).isEqualTo(500);
    assertSameResponse(replay, first);
    assertThat(app.calls("/orders/status")).isEqualTo(1);
    // 503 is still never stored
    server.post("/orders/status?code=503", "k-503", "{}");
    server.post("/orders/status?code=503", "k-503", "{}");
    assertThat(app.calls("/orders/status")).isEqualTo(3);
  }

  @Test
  void sendErrorAndSendRedirectAreCapturedAndReplayed() throws Exception {
    start();
    HttpResponse<byte[]> error = server.post("/orders/error", "k-err", "{}");
    assertThat(error.statusCode()).isEqualTo(404);
    assertThat(text(error)).isEqualTo("no such order");
    assertSameResponse(server.post("/orders/error", "k-err", "{}"), error);

    HttpResponse<byte[]> redirect = server.post("/orders/redirect", "k-redir", "{}");
    assertThat(redirect.statusCode()).isEqualTo(302);
    assertThat(redirect.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/orders/1"));
    assertSameResponse(server.post("/orders/redirect", "k-redir", "{}"), redirect);
    assertThat(app.calls("/orders/error") + app.calls("/orders/redirect")).isEqualTo(2);
  }

  @Test
  void writerOutputKeepsItsCharsetAcrossFlushAndReplay() throws Exception {
    start();
    HttpResponse<byte[]> first = server.post("/orders/writer", "k-writer", "{}");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("Content-Type").orElseThrow().toLowerCase()).contains("charset=utf-8");
    assertThat(text(first)).isEqualTo("größe ✓ 1 done");
    assertSameResponse(server.post("/orders/writer", "k-writer", "{}"), first);
  }

  @Test
  void formParametersStayReadableBehindTheFilter() throws Exception {
    start();
    HttpResponse<byte[]> r = server.send(HttpRequest.newBuilder(server.uri("/orders/form?q=z"))
        .header("Idempotency-Key", "k-form").header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("a=1&b=gr%C3%B6%C3%9Fe")).build());
    assertThat(text(r)).isEqualTo("a=1;b=größe;q=z");
  }

  // ---- async, large bodies, waits, store failures -------------------------------------------

  @Test
  void asyncHandlerIsStoredWhenItCompletes() throws Exception {
    start();
    HttpResponse<byte[]> first = server.post("/orders/async", "k-async", "{}");
    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(text(first)).isEqualTo("{\"async\":true,\"key\":\"k-async\"}");
    for (int i = 0; i < 3; i++) {
      assertSameResponse(server.post("/orders/async", "k-async", "{}"), first);
    }
    assertThat(app.calls("/orders/async")).isEqualTo(1);
    assertThat(filter.stats().stored()).isEqualTo(1);
  }

  @Test
  void asyncHandlerThatTimesOutReleasesTheClaim() throws Exception {
    start();
    assertThat(server.post("/orders/async-hang", "k-hang", "{}").statusCode()).isGreaterThanOrEqualTo(500);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> filter.stats().released() == 1);
    assertThat(server.post("/orders/async-hang", "k-hang", "{}").statusCode()).isGreaterThanOrEqualTo(500);
    assertThat(app.calls("/orders/async-hang")).isEqualTo(2);
    assertThat(filter.stats().stored()).isZero();
  }

  @Test
  void asyncDispatchIsStoredWhenTheDispatchReturns() throws Exception {
    start();
    HttpResponse<byte[]> first = server.post("/orders/async-dispatch", "k-disp", "{}");
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(text(first)).isEqualTo("dispatched k-disp 1");
    assertSameResponse(server.post("/orders/async-dispatch", "k-disp", "{}"), first);
    assertThat(app.calls("/orders/async-dispatch")).isEqualTo(2); // the request and its async dispatch
  }

  @Test
  void throwingListenerNeitherBreaksTheRequestNorSilencesTheOthers() throws Exception {
    AtomicInteger heard = new AtomicInteger();
    start(IdempotencyFilter.builder()
        .listener(new IdempotencyFilterListener() {
          @Override
          public void onFirst(IdempotencyKey key) {
            throw new IllegalStateException("bad listener");
          }

          @Override
          public void onReplayed(IdempotencyKey key, int status, int bodyBytes) {
            throw new IllegalStateException("bad listener");
          }
        })
        .listener(new IdempotencyFilterListener() {
          @Override
          public void onFirst(IdempotencyKey key) {
            heard.incrementAndGet();
          }

          @Override
          public void onStored(IdempotencyKey key, int status, long bytes, boolean replayable) {
            heard.incrementAndGet();
          }

          @Override
          public void onReplayed(IdempotencyKey key, int status, int bodyBytes) {
            heard.incrementAndGet();
          }
        }));
    HttpResponse<byte[]> first = server.post("/orders", "k-listen", "{}");
    assertSameResponse(server.post("/orders", "k-listen", "{}"), first);
    assertThat(heard.get()).isEqualTo(3);
  }

  @Test
  void fiveMebibyteResponseStreamsThroughAndIsNotReplayable() throws Exception {
    start();
    HttpResponse<byte[]> first = server.post("/orders/stream", "k-big", "{}");
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(first.body()).hasSize(OrdersServlet.STREAM_BYTES);
    assertThat(first.body()[65_537]).isEqualTo((byte) 1);

    HttpResponse<byte[]> second = server.post("/orders/stream", "k-big", "{}");
    assertProblem(second, 409, IdempotencyFilter.PROBLEM_NOT_REPLAYABLE);
    assertThat(text(second)).contains("status 201");
    assertThat(app.calls("/orders/stream")).isEqualTo(1);
    assertThat(filter.stats().notReplayable()).isEqualTo(1);
  }

  @Test
  void twoMebibyteRequestBodyIs413AndClaimsNothing() throws Exception {
    start();
    String big = "{\"blob\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
    assertProblem(server.post("/orders", "k-413", big), 413, IdempotencyFilter.PROBLEM_BODY_TOO_LARGE);
    assertThat(app.totalCalls()).isZero();
    assertThat(server.post("/orders", "k-413", "{}").statusCode()).isEqualTo(201);
    assertThat(app.calls("/orders")).isEqualTo(1);
  }

  @Test
  void chunkedBodyOfUnknownLengthIsReadWholeFingerprintedAndReplayed() throws Exception {
    start();
    String body = "{\"blob\":\"" + "y".repeat(100 * 1024) + "\"}";
    HttpResponse<byte[]> first = server.send(chunked("k-chunked", body));
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(text(first)).contains("\"echo\":" + body + "}");

    assertSameResponse(server.send(chunked("k-chunked", body)), first);
    String lastByteDiffers = body.substring(0, body.length() - 3) + "z\"}";
    assertProblem(server.send(chunked("k-chunked", lastByteDiffers)), 422, IdempotencyFilter.PROBLEM_KEY_REUSED);
    assertThat(app.calls("/orders")).isEqualTo(1);
  }

  @Test
  void chunkedBodyOneByteOverTheLimitIs413AndOneAtTheLimitRuns() throws Exception {
    start(IdempotencyFilter.builder().requireKey("/orders/*").maxBodyBytes(64 * 1024));
    String atLimit = "x".repeat(64 * 1024);

    assertProblem(server.send(chunked("k-limit", atLimit + "x")), 413, IdempotencyFilter.PROBLEM_BODY_TOO_LARGE);
    assertThat(app.totalCalls()).isZero();
    HttpResponse<byte[]> ok = server.send(chunked("k-limit", atLimit));
    assertThat(ok.statusCode()).isEqualTo(201);
    assertThat(text(ok)).contains("\"echo\":" + atLimit + "}");
  }

  /** A POST whose body has no declared length: java.net.http sends it chunked. */
  private HttpRequest chunked(String key, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return HttpRequest.newBuilder(server.uri("/orders")).header("Idempotency-Key", key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes))).build();
  }

  @Test
  void repeatWaitsForTheFirstAndGetsItsResponseInsteadOf409() throws Exception {
    AtomicLong claims = new AtomicLong();
    app.gate = new CountDownLatch(1);
    IdempotencyStore counting = new DelegatingStore(InMemoryIdempotencyStore.ofDefaults()) {
      @Override
      public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
        ClaimResult r = super.claim(key, fingerprint, lease);
        if (claims.incrementAndGet() == 2) {
          app.gate.countDown(); // the repeat is now waiting: let the first finish
        }
        return r;
      }
    };
    start(IdempotencyFilter.builder().store(counting).inProgressWait(Duration.ofSeconds(10)));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<HttpResponse<byte[]>> firstCall = pool.submit(() -> server.post("/orders/gated", "k-wait", "{}"));
      // send the repeat only once the first holds the claim, so that it must wait
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> claims.get() >= 1);
      HttpResponse<byte[]> repeat = server.post("/orders/gated", "k-wait", "{}");
      HttpResponse<byte[]> first = firstCall.get(10, TimeUnit.SECONDS);
      assertThat(first.statusCode()).isEqualTo(201);
      assertSameResponse(repeat, first);
      assertThat(filter.stats().conflicts()).isZero();
      assertThat(app.calls("/orders/gated")).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void failingStoreAnswers503AndRunsNothing() throws Exception {
    IdempotencyStore broken = new DelegatingStore(InMemoryIdempotencyStore.ofDefaults()) {
      @Override
      public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
        throw new IllegalStateException("connection refused");
      }
    };
    start(IdempotencyFilter.builder().store(broken));
    HttpResponse<byte[]> r = server.post("/orders", "k-503", "{}");
    assertProblem(r, 503, IdempotencyFilter.PROBLEM_STORE_UNAVAILABLE);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(app.totalCalls()).isZero();
    assertThat(filter.stats().storeFailures()).isEqualTo(1);
  }

  @Test
  void storedResponseInTheStoreHasNoSecretHeaders() throws Exception {
    StoredResponse[] seen = new StoredResponse[1];
    IdempotencyStore spy = new DelegatingStore(InMemoryIdempotencyStore.ofDefaults()) {
      @Override
      public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
        seen[0] = response;
        return super.complete(key, token, response, retention);
      }
    };
    start(IdempotencyFilter.builder().store(spy));
    server.post("/orders", "k-inspect", "{}");
    assertThat(seen[0].headers().keySet()).extracting(String::toLowerCase)
        .containsExactlyInAnyOrder("content-type", "location", "etag", "link");
    assertThat(seen[0].status()).isEqualTo(201);
  }

  /** A store that forwards to another; tests override what they watch or break. */
  static class DelegatingStore implements IdempotencyStore {
    private final IdempotencyStore delegate;

    DelegatingStore(IdempotencyStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
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
}
