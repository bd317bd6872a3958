package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closedloop.sync.examples.FaultInjectionFilter.Fault;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.time.RandomSource;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DemoServerTest {
  private final InProcessRealtimeBus bus = InProcessRealtimeBus.create();
  private DemoServer server;
  private TestHttp http;

  private void start(DemoServer.Builder b) throws Exception {
    server = b.bus(bus).build().start();
    http = new TestHttp(server);
  }

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
    bus.close();
  }

  private CompletableFuture<ChangeEvent> eventWithKey(String key) {
    return bus.awaitChange(e -> e.isCausedBy(key), Duration.ofSeconds(10));
  }

  @Test
  void servesTheBrowserClientFromItsWebJarUnderAPathWithoutTheVersion() throws Exception {
    start(DemoServer.builder());
    HttpResponse<String> r = http.get("/webjars/closedloop-sync/key.js");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("javascript"));
    assertThat(r.body()).contains("export function newKey");
    assertThat(http.get("/webjars/closedloop-sync/").statusCode()).as("no listing").isIn(403, 404);
    assertThat(http.get("/webjars/closedloop-sync/../static/index.html").statusCode()).isNotEqualTo(200);
  }

  @Test
  void aRepeatedConfirmationWithOneKeyConfirmsOnceAndReplaysTheAnswer() throws Exception {
    start(DemoServer.builder());
    CompletableFuture<ChangeEvent> event = eventWithKey("k-1");

    HttpResponse<String> first = http.send("POST", "/api/bookings/1001/confirm", "k-1", "{}");
    HttpResponse<String> second = http.send("POST", "/api/bookings/1001/confirm", "k-1", "{}");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).isEmpty();
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(DemoHttp.JSON.readTree(first.body()).get("confirmations").asInt()).isEqualTo(1);
    ChangeEvent e = event.get(10, TimeUnit.SECONDS);
    assertThat(e.topic()).isEqualTo("bookings");
    assertThat(e.key()).isEqualTo("1001");
    assertThat(bus.head("bookings")).isEqualTo(1);
    JsonNode state = http.state();
    assertThat(state.at("/applied/bookings").asLong()).isEqualTo(1);
    assertThat(state.at("/duplicates").asLong()).isZero();
    assertThat(state.at("/idempotency/replayed").asLong()).isEqualTo(1);
  }

  @Test
  void aDroppedAnswerIsAnIoExceptionAfterTheEffectAndTheRetryGetsTheStoredAnswer() throws Exception {
    start(DemoServer.builder().faults(FaultInjectionFilter.builder().enabled(true).build()));
    server.faults().script(Fault.DROP_AFTER_HANDLER);

    assertThatThrownBy(() -> http.send("POST", "/api/bookings/1002/confirm", "k-drop", "{}"))
        .isInstanceOf(IOException.class);
    assertThat(server.state().booking("1002").confirmations()).isEqualTo(1);

    HttpResponse<String> retry = http.send("POST", "/api/bookings/1002/confirm", "k-drop", "{}");
    assertThat(retry.statusCode()).isEqualTo(200);
    assertThat(retry.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(DemoHttp.JSON.readTree(retry.body()).get("confirmations").asInt()).isEqualTo(1);
    assertThat(server.state().booking("1002").confirmations()).isEqualTo(1);
    assertThat(server.state().counters().duplicates()).isZero();
    assertThat(server.faults().counts()).containsEntry(Fault.DROP_AFTER_HANDLER, 1L).containsEntry(Fault.NONE, 1L);
  }

  @Test
  void aCutResponseIsAnIoExceptionAfterTheEffectAndTheRetryGetsTheStoredAnswer() throws Exception {
    start(DemoServer.builder().faults(FaultInjectionFilter.builder().enabled(true).build()));
    server.faults().script(Fault.CUT_RESPONSE);

    assertThatThrownBy(() -> http.send("POST", "/api/bookings/1002/confirm", "k-cut", "{}"))
        .isInstanceOf(IOException.class);
    assertThat(server.state().booking("1002").confirmations()).isEqualTo(1);

    HttpResponse<String> retry = http.send("POST", "/api/bookings/1002/confirm", "k-cut", "{}");
    assertThat(retry.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(server.state().booking("1002").confirmations()).isEqualTo(1);
    assertThat(server.faults().counts()).containsEntry(Fault.CUT_RESPONSE, 1L);
  }

  @Test
  void randomFaultsFollowTheRatesFromTheSeededSource() {
    FaultInjectionFilter f = FaultInjectionFilter.builder().enabled(true)
        .dropRate(0.1).cutRate(0.1).unavailableRate(0.1).delayRate(0.1)
        .random(RandomSource.fixed(0.05, 0.15, 0.25, 0.35, 0.45)).build();

    assertThat(List.of(f.next(), f.next(), f.next(), f.next(), f.next()))
        .containsExactly(Fault.DROP_AFTER_HANDLER, Fault.CUT_RESPONSE, Fault.UNAVAILABLE, Fault.DELAY, Fault.NONE);
    f.setEnabled(false);
    f.script(Fault.UNAVAILABLE);
    assertThat(f.next()).isEqualTo(Fault.NONE);
  }

  @Test
  void faultRatesAreValidated() {
    assertThatThrownBy(() -> FaultInjectionFilter.builder().dropRate(1.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("dropRate must be in [0, 1]: 1.5");
    assertThatThrownBy(() -> FaultInjectionFilter.builder().dropRate(0.6).unavailableRate(0.6).build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("dropRate + cutRate + unavailableRate + delayRate cannot exceed 1");
    assertThatThrownBy(() -> FaultInjectionFilter.builder().retryAfter(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FaultInjectionFilter.builder().build().script((Fault) null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void anInjected503CarriesRetryAfterAndRunsNothing() throws Exception {
    start(DemoServer.builder().faults(FaultInjectionFilter.builder().enabled(true)
        .retryAfter(Duration.ofSeconds(2)).build()));
    server.faults().script(Fault.UNAVAILABLE);

    HttpResponse<String> r = http.send("POST", "/api/bookings/1003/confirm", "k-503", "{}");

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("2");
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/problem+json"));
    assertThat(server.state().booking("1003").confirmations()).isZero();
    assertThat(http.send("POST", "/api/bookings/1003/confirm", "k-503", "{}").statusCode()).isEqualTo(200);
    assertThat(server.state().booking("1003").confirmations()).isEqualTo(1);
  }

  @Test
  void reads_passThroughTheFaultInjectorUntouched() throws Exception {
    start(DemoServer.builder().faults(FaultInjectionFilter.builder().enabled(true).unavailableRate(1).build()));

    assertThat(http.get("/api/state").statusCode()).isEqualTo(200);
    assertThat(http.send("POST", "/api/bookings/1001/confirm", "k", "{}").statusCode()).isEqualTo(503);
    assertThat(server.faults().counts()).containsEntry(Fault.UNAVAILABLE, 1L);
  }

  @Test
  void aDelayedMutationStillAppliesOnce() throws Exception {
    start(DemoServer.builder().faults(FaultInjectionFilter.builder().enabled(true).delay(Duration.ofMillis(50)).build()));
    server.faults().script(Fault.DELAY);

    assertThat(http.send("POST", "/api/bookings/1004/confirm", "k-delay", "{}").statusCode()).isEqualTo(200);
    assertThat(server.faults().counts()).containsEntry(Fault.DELAY, 1L);
    assertThat(server.state().counters().bookings()).isEqualTo(1);
  }

  @Test
  void aMutationWithoutAKeyIsRefusedWith400() throws Exception {
    start(DemoServer.builder());

    HttpResponse<String> r = http.send("POST", "/api/bookings/1001/confirm", null, "{}");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains(IdempotencyFilter.PROBLEM_KEY_MISSING);
    assertThat(server.state().counters().total()).isZero();
  }

  @Test
  void anUnknownBookingIsA404ThatIsReplayedNotRerun() throws Exception {
    start(DemoServer.builder());

    HttpResponse<String> r = http.send("POST", "/api/bookings/9999/confirm", "k-404", "{}");
    HttpResponse<String> again = http.send("POST", "/api/bookings/9999/confirm", "k-404", "{}");

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).contains("booking-not-found");
    assertThat(again.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(server.state().counters().total()).isZero();
  }

  @Test
  void aBulkLeadUpdateIsAllOrNothingAndOncePerKey() throws Exception {
    start(DemoServer.builder());
    CompletableFuture<ChangeEvent> event = eventWithKey("k-bulk");

    HttpResponse<String> bad = http.send("PATCH", "/api/leads/status", "k-bad",
        "{\"ids\":[\"lead-1\",\"lead-2\",\"lead-404\"],\"status\":\"WON\"}");
    assertThat(bad.statusCode()).isEqualTo(422);
    assertThat(server.state().leads()).containsEntry("lead-1", "NEW").containsEntry("lead-2", "NEW");

    String body = "{\"ids\":[\"lead-1\",\"lead-2\",\"lead-3\"],\"status\":\"CONTACTED\"}";
    HttpResponse<String> ok = http.send("PATCH", "/api/leads/status", "k-bulk", body);
    HttpResponse<String> replay = http.send("PATCH", "/api/leads/status", "k-bulk", body);

    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(DemoHttp.JSON.readTree(ok.body()).get("updated").asInt()).isEqualTo(3);
    assertThat(replay.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(server.state().leads()).containsEntry("lead-1", "CONTACTED").containsEntry("lead-3", "CONTACTED")
        .containsEntry("lead-4", "NEW");
    assertThat(server.state().counters().leads()).isEqualTo(1);
    event.get(10, TimeUnit.SECONDS);
    assertThat(bus.head("leads")).isEqualTo(3);
    assertThat(bus.replay("leads", 0).events()).allSatisfy(e -> assertThat(e.isCausedBy("k-bulk")).isTrue());
  }

  @Test
  void theSameKeyWithAnotherBodyIs422AndChangesNothing() throws Exception {
    start(DemoServer.builder());
    http.send("PATCH", "/api/leads/status", "k-same", "{\"ids\":[\"lead-1\"],\"status\":\"WON\"}");

    HttpResponse<String> r = http.send("PATCH", "/api/leads/status", "k-same", "{\"ids\":[\"lead-1\"],\"status\":\"LOST\"}");

    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(r.body()).contains(IdempotencyFilter.PROBLEM_KEY_REUSED);
    assertThat(server.state().leads()).containsEntry("lead-1", "WON");
  }

  @Test
  void aTextThroughAFailingGatewayIsRetriedAndSentOnce() throws Exception {
    // draws: the gateway fails (0.1 < 0.5), the jitter takes 0.9, the gateway sends (0.9)
    start(DemoServer.builder().smsGateway(0.5, 0, Duration.ZERO).random(RandomSource.fixed(0.1, 0.9)));
    CompletableFuture<ChangeEvent> event = eventWithKey("k-sms");

    HttpResponse<String> r = http.send("POST", "/api/sms", "k-sms", "{\"to\":\"+15550100\",\"text\":\"Table ready\"}");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(DemoHttp.JSON.readTree(r.body()).get("messageId").asText()).isEqualTo("sms-1");
    SimulatedSmsGateway.Stats g = server.smsSender().gateway().stats();
    assertThat(g.calls()).isEqualTo(2);
    assertThat(g.failures()).isEqualTo(1);
    assertThat(g.sent()).isEqualTo(1);
    assertThat(event.get(10, TimeUnit.SECONDS).key()).isEqualTo("sms-1");
    assertThat(server.state().counters().sms()).isEqualTo(1);
  }

  @Test
  void aGatewayThatIsDownGives503WithRetryAfterAndTheKeyStaysUsable() throws Exception {
    start(DemoServer.builder().smsGateway(1.0, 0, Duration.ZERO).random(RandomSource.fixed(0.0)));

    HttpResponse<String> r = http.send("POST", "/api/sms", "k-down", "{\"to\":\"+15550100\",\"text\":\"hi\"}");

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).isPresent();
    assertThat(r.body()).contains("sms-gateway-unavailable").contains("after 4 attempts");
    assertThat(server.smsSender().gateway().stats().calls()).isEqualTo(4);
    assertThat(server.state().counters().sms()).isZero();
    // a 503 is never stored: the same key runs again (and fails again) instead of replaying
    http.send("POST", "/api/sms", "k-down", "{\"to\":\"+15550100\",\"text\":\"hi\"}");
    assertThat(server.smsSender().gateway().stats().calls()).isGreaterThan(4);
    assertThat(server.idempotencyFilter().stats().replayed()).isZero();
  }

  @Test
  void aStalledGatewayCallTimesOutAndTheRetrySends() throws Exception {
    // the first call stalls 3 s (draw 0.2 < 0.5 stall rate) and is cut at the 1 s attempt timeout
    start(DemoServer.builder().smsGateway(0, 0.5, Duration.ofSeconds(3)).random(RandomSource.fixed(0.2, 0.0, 0.9)));

    HttpResponse<String> r = http.send("POST", "/api/sms", "k-stall", "{\"to\":\"+15550100\",\"text\":\"hi\"}");

    assertThat(r.statusCode()).isEqualTo(200);
    SimulatedSmsGateway.Stats g = server.smsSender().gateway().stats();
    assertThat(g.stalls()).isEqualTo(1);
    assertThat(g.sent()).isEqualTo(1);
    assertThat(g.calls()).isEqualTo(2);
  }

  @Test
  void afterEachOutageTheServerComesBackOnTheSamePortWithItsStateAndKeys() throws Exception {
    start(DemoServer.builder());
    int port = server.port();
    http.send("POST", "/api/bookings/1005/confirm", "k-restart", "{}");

    for (int outage = 0; outage < 3; outage++) {
      server.stop();
      // the port is closed when stop() returns: a new connection is refused (the probe opens its
      // own socket; the shared client's pooled connection may fail in other ways)
      assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
          .isInstanceOf(ConnectException.class);
      server.start();
      http = new TestHttp(server); // like a reloaded page: no connection from before the outage

      assertThat(server.port()).isEqualTo(port);
      HttpResponse<String> replay = http.send("POST", "/api/bookings/1005/confirm", "k-restart", "{}");
      assertThat(replay.statusCode()).isEqualTo(200);
      assertThat(replay.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    }
    assertThat(server.state().booking("1005").confirmations()).isEqualTo(1);
  }

  @Test
  void takingTheServerOffTheNetworkEndsItsOpenStreams() throws Exception {
    start(DemoServer.builder());
    HttpResponse<java.io.InputStream> r = http.client.send(java.net.http.HttpRequest.newBuilder(server.uri("/events?topics=bookings"))
        .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    try (java.io.InputStream in = r.body()) {
      assertThat(in.read()).isNotEqualTo(-1); // the first frame arrived: the stream is open
      CompletableFuture<String> end = CompletableFuture.supplyAsync(() -> {
        try {
          while (in.read() != -1) {
            // skip the rest of the stream
          }
          return "eof";
        } catch (IOException e) {
          return "closed";
        }
      });

      server.stop();

      assertThat(end.get(10, TimeUnit.SECONDS)).isIn("eof", "closed");
      assertThat(server.isRunning()).isFalse();
    }
  }

  @Test
  void keysAreScopedByClientId() throws Exception {
    start(DemoServer.builder());
    http.send("POST", "/api/bookings/1006/confirm", "shared-key", "{}");

    // another client using the same key string is another key: its request runs
    HttpResponse<String> other = http.client.send(java.net.http.HttpRequest.newBuilder(server.uri("/api/bookings/1006/confirm"))
        .header("Idempotency-Key", "shared-key").header("X-Client-Id", "00000000-0000-4000-8000-000000000001")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(other.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).isEmpty();
    assertThat(server.state().booking("1006").confirmations()).isEqualTo(2);
    assertThat(server.state().counters().duplicates()).isZero();
  }

  @Test
  void thePageAndItsModuleAreServedWithTheirTypes() throws Exception {
    start(DemoServer.builder());

    HttpResponse<String> page = http.get("/");
    HttpResponse<String> js = http.get("/app.js");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<script type=\"module\" src=\"app.js\">");
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).contains("javascript"));
    assertThat(js.body()).contains("Idempotency-Key");
  }

  @Test
  void theEventStreamIsUtf8EventStream() throws Exception {
    start(DemoServer.builder());

    HttpResponse<java.io.InputStream> r = http.client.send(java.net.http.HttpRequest.newBuilder(server.uri("/events?topics=bookings"))
        .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    try (java.io.InputStream in = r.body()) {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream;charset=utf-8");
      assertThat(r.headers().firstValue("X-Accel-Buffering")).hasValue("no");
    }
  }

  @Test
  void stateCountsEveryEndpoint() throws Exception {
    start(DemoServer.builder());
    http.send("POST", "/api/bookings/1001/confirm", "a", "{}");
    http.send("POST", "/api/sms", "b", "{\"to\":\"+15550100\",\"text\":\"hi\"}");
    http.send("PATCH", "/api/leads/status", "c", "{\"ids\":[\"lead-9\"],\"status\":\"WON\"}");

    JsonNode s = http.state();

    assertThat(List.of(s.at("/applied/bookings").asLong(), s.at("/applied/sms").asLong(), s.at("/applied/leads").asLong(),
        s.at("/applied/total").asLong(), s.at("/keys").asLong(), s.at("/duplicates").asLong()))
        .containsExactly(1L, 1L, 1L, 3L, 3L, 0L);
    assertThat(s.at("/leadsByStatus/WON").asInt()).isEqualTo(1);
    assertThat(s.at("/smsGateway/breaker").asText()).isEqualTo("CLOSED");
  }
}
