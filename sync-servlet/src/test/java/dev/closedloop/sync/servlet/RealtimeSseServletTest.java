package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.spi.ChangeEventJson;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.time.VirtualScheduler;
import dev.closedloop.sync.servlet.testing.EmbeddedJetty;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RealtimeSseServletTest {
  private final VirtualScheduler scheduler = new VirtualScheduler();
  private final ExecutorService httpExecutor = Executors.newFixedThreadPool(2);
  private final HttpClient http = HttpClient.newBuilder().executor(httpExecutor).build();
  private InProcessRealtimeBus bus = InProcessRealtimeBus.builder().maxEventsPerTopic(20).build();
  private SseTestServer server;

  private SseTestServer start(RealtimeSseServletBuilder b) throws Exception {
    server = new SseTestServer(b.scheduler(scheduler).ticker(scheduler.ticker()).build());
    return server;
  }

  private SseTestServer start() throws Exception {
    return start(RealtimeSseServlet.builder(bus));
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    bus.close();
    httpExecutor.shutdownNow();
  }

  private long publish(String topic, int n) {
    return bus.publish(ChangeDraft.update(topic, "k" + n, "{\"n\":" + n + "}", null));
  }

  private static long position(SseFrame f) {
    return ChangeEventJson.fromJson(f.data()).position();
  }

  // ---- the stream ---------------------------------------------------------------------------

  @Test
  void streamIsUtf8EventStreamWithNoCachingNoBufferingAndNoCompression() throws Exception {
    start();
    HttpResponse<InputStream> resp =
        http.send(HttpRequest.newBuilder(server.uri("topics=bookings")).header("Accept-Encoding", "gzip").build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = resp.body()) {
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(resp.headers().firstValue("Content-Type")).hasValueSatisfying(
          ct -> assertThat(ct.replace(" ", "").toLowerCase()).isEqualTo("text/event-stream;charset=utf-8"));
      assertThat(resp.headers().firstValue("Cache-Control")).hasValue("no-cache");
      assertThat(resp.headers().firstValue("X-Accel-Buffering")).hasValue("no");
      assertThat(resp.headers().firstValue("Content-Encoding")).isEmpty();
      BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
      assertThat(r.readLine()).isEqualTo("retry: 3000");
      assertThat(r.readLine()).isEqualTo("id: bookings:0");
      assertThat(r.readLine()).isEqualTo("event: subscribed");
      assertThat(r.readLine()).isEqualTo("data: {\"cursor\":\"bookings:0\"}");
      assertThat(r.readLine()).isEmpty();
      bus.publish(ChangeDraft.insert("bookings", "1", "{\"name\":\"Zoë ✓ 日本\"}").withIdempotencyKey("idem-1"));
      assertThat(r.readLine()).isEqualTo("id: bookings:1");
      assertThat(r.readLine()).isEqualTo("event: insert");
      String data = r.readLine();
      assertThat(data).startsWith("data: {");
      ChangeEvent e = ChangeEventJson.fromJson(data.substring(6));
      assertThat(e.newData()).isEqualTo("{\"name\":\"Zoë ✓ 日本\"}");
      assertThat(e.isCausedBy("idem-1")).isTrue();
      assertThat(data).as("subscribers get the key's digest, never the key")
          .contains("\"idempotencyKeyDigest\":\"0FthvUtw4Nmhl6yTYPjCTk6u1TNtMar9XhbYKcZXbfM\"").doesNotContain("idem-1");
      assertThat(r.readLine()).isEmpty();
    }
  }

  @Test
  void aTopicWithNoEventsYetIsAValidSubscription() throws Exception {
    start();
    try (RawSse sse = new RawSse(server.port(), "/sse?topics=fresh")) {
      assertThat(sse.head()).startsWith("HTTP/1.1 200");
      SseFrame first = sse.nextEvent();
      assertThat(first.event()).isEqualTo("subscribed");
      assertThat(first.id()).isEqualTo("fresh:0");
      assertThat(bus.subscriptionCount()).isEqualTo(1);
      publish("fresh", 1);
      SseFrame e = sse.nextEvent();
      assertThat(e.event()).isEqualTo("update");
      assertThat(e.id()).isEqualTo("fresh:1");
    }
  }

  @Test
  void aStreamOfSeveralTopicsCarriesOneCursorAndResumesEveryTopicFromIt() throws Exception {
    start();
    publish("sms", 1);
    String lastId;
    try (RawSse sse = new RawSse(server.port(), "/sse?topics=bookings,sms")) {
      assertThat(sse.nextEvent().id()).isEqualTo("bookings:0,sms:1");
      publish("bookings", 1);
      publish("sms", 2);
      List<SseFrame> got = sse.events(2);
      assertThat(got).extracting(SseFrame::id).containsExactly("bookings:1,sms:1", "bookings:1,sms:2");
      lastId = got.get(1).id();
    }
    publish("bookings", 2);
    publish("sms", 3);
    publish("bookings", 3);
    try (RawSse sse = new RawSse(server.port(), "/sse?topics=sms,bookings", "Last-Event-ID: " + lastId)) {
      assertThat(sse.nextEvent().id()).isEqualTo("bookings:1,sms:2");
      List<SseFrame> got = sse.events(3);
      assertThat(got).extracting(SseFrame::id).containsExactly("bookings:2,sms:2", "bookings:3,sms:2", "bookings:3,sms:3");
    }
  }

  // ---- resume, replay, reset ------------------------------------------------------------------

  @Test
  void lastEventIdHeaderResumesWithExactlyTheMissedEventsInOrder() throws Exception {
    start();
    try (RawSse sse = new RawSse(server.port(), "/sse?topics=orders")) {
      sse.nextEvent();
      for (int i = 1; i <= 3; i++) {
        publish("orders", i);
      }
      assertThat(sse.events(3)).extracting(SseFrame::id).containsExactly("orders:1", "orders:2", "orders:3");
      sse.abort(); // the client side drops mid-stream
    }
    List<Long> missed = new ArrayList<>();
    for (int i = 4; i <= 9; i++) {
      missed.add(publish("orders", i));
    }
    try (RawSse sse = new RawSse(server.port(), "/sse?topics=orders", "Last-Event-ID: orders:3")) {
      SseFrame subscribed = sse.nextEvent();
      assertThat(subscribed.event()).isEqualTo("subscribed");
      assertThat(subscribed.id()).isEqualTo("orders:3");
      List<SseFrame> replayed = sse.events(missed.size());
      assertThat(replayed).extracting(RealtimeSseServletTest::position).containsExactlyElementsOf(missed);
      long live = publish("orders", 10);
      assertThat(position(sse.nextEvent())).isEqualTo(live);
    }
  }

  @Test
  void lastEventIdQueryParameterResumesForBrowsersThatCannotSetHeaders() throws Exception {
    start();
    for (int i = 1; i <= 5; i++) {
      publish("orders", i);
    }
    try (RawSse sse = new RawSse(server.port(), "/sse?topics=orders&lastEventId=" + URLEncoder.encode("orders:2", StandardCharsets.UTF_8))) {
      sse.nextEvent();
      assertThat(sse.events(3)).extracting(SseFrame::id).containsExactly("orders:3", "orders:4", "orders:5");
    }
  }

  @Test
  void aServerSideDropMidStreamThenResumeDeliversExactlyTheMissedEvents() throws Exception {
    start();
    String last;
    try (RawSse sse = new RawSse(server.port(), "/sse?topics=orders")) {
      sse.nextEvent();
      publish("orders", 1);
      publish("orders", 2);
      last = sse.events(2).get(1).id();
      assertThat(server.servlet.disconnectAll()).isEqualTo(1);
      assertThat(sse.drainToEnd()).isEmpty();
      assertThat(sse.atEnd()).isTrue();
    }
    assertThat(bus.subscriptionCount()).isZero();
    publish("orders", 3);
    publish("orders", 4);
    try (RawSse sse = new RawSse(server.port(), "/sse?topics=orders", "Last-Event-ID: " + last)) {
      sse.nextEvent();
      assertThat(sse.events(2)).extracting(SseFrame::id).containsExactly("orders:3", "orders:4");
    }
    RealtimeSseStats stats = server.servlet.stats();
    assertThat(stats.connectionsOpened()).isEqualTo(2);
    assertThat(stats.eventsSent()).isEqualTo(4);
  }

  @Test
  void aGapBeyondTheReplayLogSendsResetThenContinuesLive() throws Exception {
    start();
    for (int i = 1; i <= 50; i++) {
      publish("orders", i); // the log keeps 20
    }
    try (RawSse sse = new RawSse(server.port(), "/sse?topics=orders,quiet", "Last-Event-ID: orders:3,quiet:0")) {
      SseFrame subscribed = sse.nextEvent();
      assertThat(subscribed.id()).isEqualTo("orders:50,quiet:0");
      SseFrame reset = sse.nextEvent();
      assertThat(reset.event()).isEqualTo("reset");
      assertThat(reset.id()).isEqualTo("orders:50,quiet:0");
      assertThat(reset.data()).contains("\"topic\":\"orders\"", "\"position\":50", "no longer reaches back");
      long live = publish("orders", 51);
      assertThat(position(sse.nextEvent())).isEqualTo(live);
    }
    assertThat(server.servlet.stats().resets()).isEqualTo(1);
  }

  @Test
  void aCursorAheadOfTheLogAsAfterABusRestartSendsReset() throws Exception {
    start();
    try (RawSse sse = new RawSse(server.port(), "/sse?topics=orders", "Last-Event-ID: orders:900")) {
      sse.nextEvent();
      SseFrame reset = sse.nextEvent();
      assertThat(reset.event()).isEqualTo("reset");
      assertThat(reset.data()).contains("ahead");
    }
  }

  // ---- authorization ------------------------------------------------------------------------

  @Test
  void aDeniedTopicIs403WithAProblemAndNoStream() throws Exception {
    start(RealtimeSseServlet.builder(bus).authorizer((p, topic) -> !topic.startsWith("secret") || (p != null && p.getName().equals("admin"))));
    HttpResponse<String> denied =
        http.send(HttpRequest.newBuilder(server.uri("topics=orders,secret")).header("X-User", "alice").build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
    assertThat(denied.body()).contains("\"type\":\"https://closedloop.dev/sync/problems/realtime/topic-denied\"", "\"status\":403", "secret");
    assertThat(bus.subscriptionCount()).isZero();
    try (RawSse admin = new RawSse(server.port(), "/sse?topics=secret", "X-User: admin")) {
      assertThat(admin.head()).startsWith("HTTP/1.1 200");
    }
    assertThat(server.servlet.stats().rejected()).isEqualTo(1);
  }

  @Test
  void deniedTopicsAreNeverReplayedEvenWhenTheCursorNamesThem() throws Exception {
    start(RealtimeSseServlet.builder(bus).authorizer((p, topic) -> !topic.equals("secret")));
    publish("secret", 1);
    publish("orders", 1);
    publish("secret", 2);
    publish("orders", 2);
    try (RawSse sse = new RawSse(server.port(), "/sse?topics=orders", "Last-Event-ID: orders:0,secret:0")) {
      SseFrame subscribed = sse.nextEvent();
      assertThat(subscribed.id()).isEqualTo("orders:0");
      publish("secret", 3);
      long marker = publish("orders", 3);
      List<SseFrame> got = sse.events(3);
      assertThat(got).extracting(f -> ChangeEventJson.fromJson(f.data()).topic()).containsOnly("orders");
      assertThat(position(got.get(2))).isEqualTo(marker);
      assertThat(got).extracting(SseFrame::id).noneMatch(id -> id.contains("secret"));
    }
  }

  @Test
  void aContainerStreamWithoutWriteByteBufferGetsWriteAndFlush() throws Exception {
    RealtimeSseServlet servlet = RealtimeSseServlet.builder(bus).scheduler(scheduler).ticker(scheduler.ticker()).build();
    try (EmbeddedJetty jetty = EmbeddedJetty.start(ctx -> {
      ctx.addFilter(new FilterHolder(new ByteArrayOnlyStreams()), "/*", EnumSet.of(DispatcherType.REQUEST));
      ctx.addServlet(new ServletHolder(servlet), "/sse");
    }); RawSse sse = new RawSse(jetty.port(), "/sse?topics=orders")) {
      assertThat(sse.nextEvent().event()).isEqualTo("subscribed");
      publish("orders", 1);
      publish("orders", 2);
      assertThat(sse.events(2)).extracting(SseFrame::id).containsExactly("orders:1", "orders:2");
    }
  }

  /** Hands the servlet an output stream with only the Servlet 6.0 methods, as a wrapper or another container may. */
  static final class ByteArrayOnlyStreams extends HttpFilter {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
        throws IOException, ServletException {
      ServletOutputStream real = res.getOutputStream();
      ServletOutputStream plain = new ServletOutputStream() {
        @Override
        public void write(int b) throws IOException {
          real.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          real.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
          real.flush();
        }

        @Override
        public boolean isReady() {
          return real.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
          real.setWriteListener(listener);
        }
      };
      chain.doFilter(req, new HttpServletResponseWrapper(res) {
        @Override
        public ServletOutputStream getOutputStream() {
          return plain;
        }
      });
    }
  }

  // ---- bad requests ---------------------------------------------------------------------------

  @Test
  void badRequestsGetAClear400ProblemNeverASilentStream() throws Exception {
    start();
    assertProblem("", 400, "missing-topics");
    assertProblem("topics=", 400, "malformed-topic");
    assertProblem("topics=a,,b", 400, "malformed-topic");
    assertProblem("topics=" + URLEncoder.encode("a b", StandardCharsets.UTF_8), 400, "malformed-topic");
    assertProblem("topics=a:b", 400, "malformed-topic");
    assertRawProblem("topics=a%zz", "malformed-topic"); // java.net.URI refuses to send these
    assertRawProblem("topics=orders&lastEventId=orders%3", "malformed-last-event-id");
    assertProblem("topics=orders&lastEventId=orders", 400, "malformed-last-event-id");
    assertProblem("topics=orders&lastEventId=orders:-1", 400, "malformed-last-event-id");
    assertProblem("topics=orders&lastEventId=orders:99999999999999999999", 400, "malformed-last-event-id");
    HttpResponse<String> header =
        http.send(HttpRequest.newBuilder(server.uri("topics=orders")).header("Last-Event-ID", "orders:1,orders:2").build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(header.statusCode()).isEqualTo(400);
    assertThat(header.body()).contains("malformed-last-event-id", "appears twice");
    StringBuilder many = new StringBuilder("topics=t0");
    for (int i = 1; i <= 40; i++) {
      many.append(",t").append(i);
    }
    assertProblem(many.toString(), 400, "too-many-topics");
    assertThat(bus.subscriptionCount()).isZero();
    assertThat(server.servlet.stats().connectionsOpened()).isZero();
  }

  /** Sends the query as is over a plain socket (HTTP/1.0) and expects a 400 problem. */
  private void assertRawProblem(String query, String slug) throws Exception {
    try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), server.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("GET /sse?" + query + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(response).startsWith("HTTP/1.1 400").contains("application/problem+json", slug);
    }
  }

  private void assertProblem(String query, int status, String slug) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.uri(query)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(query).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).as(query).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
    assertThat(r.body()).as(query).contains("\"type\":\"" + SseProblem.TYPE_PREFIX + slug + "\"", "\"detail\":");
  }

  // ---- heartbeats and cleanup -----------------------------------------------------------------

  @Test
  void heartbeatsGoOnlyToIdleStreamsFromOneSharedSweep() throws Exception {
    start();
    try (RawSse idle = new RawSse(server.port(), "/sse?topics=idle");
        RawSse busy = new RawSse(server.port(), "/sse?topics=busy")) {
      idle.nextEvent();
      busy.nextEvent();
      assertThat(scheduler.pendingCount()).isEqualTo(1); // one sweep for every stream
      scheduler.advance(Duration.ofMillis(7_500));
      assertThat(server.servlet.stats().heartbeats()).isZero();
      publish("busy", 1);
      assertThat(busy.nextEvent().event()).isEqualTo("update");
      scheduler.advance(Duration.ofMillis(7_500)); // idle stream silent 15 s, busy one 7.5 s
      assertThat(server.servlet.stats().heartbeats()).isEqualTo(1);
      SseFrame beat = idle.next();
      assertThat(beat.isComment()).isTrue();
      assertThat(beat.comment()).isEqualTo("keep-alive");
      scheduler.advance(Duration.ofMillis(7_500));
      assertThat(server.servlet.stats().heartbeats()).isEqualTo(2); // busy is idle 15 s now
      assertThat(busy.next().isComment()).isTrue();
    }
  }

  @Test
  void aDeadConnectionIsFoundByTheHeartbeatAndCleanedUpOnce() throws Exception {
    start();
    RawSse sse = new RawSse(server.port(), "/sse?topics=orders");
    sse.nextEvent();
    sse.abort();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      scheduler.advance(Duration.ofSeconds(15));
      assertThat(server.servlet.stats().openConnections()).isZero();
    });
    assertThat(bus.subscriptionCount()).isZero();
    RealtimeSseStats stats = server.servlet.stats();
    assertThat(stats.connectionsOpened()).isEqualTo(1);
    assertThat(stats.connectionsClosed()).isEqualTo(1);
    scheduler.advance(Duration.ofSeconds(15));
    assertThat(scheduler.pendingCount()).isZero(); // the sweep stops when no stream is open
  }

  @Test
  void closingTheBusEndsEveryStreamAndLaterRequestsGet503() throws Exception {
    start();
    try (RawSse a = new RawSse(server.port(), "/sse?topics=orders"); RawSse b = new RawSse(server.port(), "/sse?topics=orders,sms")) {
      a.nextEvent();
      b.nextEvent();
      bus.close();
      a.drainToEnd();
      b.drainToEnd();
      assertThat(a.atEnd()).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> server.servlet.stats().openConnections() == 0);
    assertThat(server.servlet.stats().connectionsClosed()).isEqualTo(2);
    assertProblem("topics=orders", 503, "unavailable");
  }

  @Test
  void destroyEndsEveryStreamStopsTheSweepAndLaterRequestsGet503() throws Exception {
    start();
    try (RawSse a = new RawSse(server.port(), "/sse?topics=orders")) {
      a.nextEvent();
      server.servlet.destroy();
      a.drainToEnd();
      assertThat(a.atEnd()).isTrue();
    }
    assertThat(bus.subscriptionCount()).isZero();
    assertThat(scheduler.pendingCount()).isZero();
    assertProblem("topics=orders", 503, "unavailable");
  }

  @Test
  void builderRejectsBadSettingsWithClearMessages() {
    assertThatThrownBy(() -> RealtimeSseServlet.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("bus cannot be null");
    RealtimeSseServletBuilder b = RealtimeSseServlet.builder(bus);
    assertThatThrownBy(() -> b.heartbeat(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxBufferedBytes(10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.retry(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxTopics(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.authorizer(null)).isInstanceOf(NullPointerException.class).hasMessage("authorizer cannot be null");
  }

}
