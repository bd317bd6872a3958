package dev.closedloop.sync.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import dev.closedloop.sync.time.ManualTicker;
import dev.closedloop.sync.time.VirtualScheduler;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real {@link RealtimeSseServlet} on embedded Jetty, streaming a bus instrumented by {@link
 * RealtimeMetrics}, with raw socket clients that connect, replay, miss a trimmed log, read
 * slowly and vanish; {@link RealtimeSseMetrics} and {@link RealtimeMetrics} hold exactly those
 * counts.
 */
class RealtimeSseMetricsTest {
  static final Duration CLOCK_OFFSET = Duration.ofMillis(250);

  final ManualTicker busClock = new ManualTicker();
  /** The metrics' clock runs 250 ms ahead of the bus's, so every live delivery lags exactly that. */
  final ManualTicker metricsClock = new ManualTicker(ManualTicker.DEFAULT_START.plus(CLOCK_OFFSET));
  final VirtualScheduler heartbeats = new VirtualScheduler();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  InProcessRealtimeBus realBus;
  RealtimeBus bus;
  RealtimeSseServlet servlet;
  TestServer server;

  void start(int maxEventsPerTopic, long maxBufferedBytes) throws Exception {
    realBus = InProcessRealtimeBus.builder().clock(busClock).maxEventsPerTopic(maxEventsPerTopic).build();
    bus = new RealtimeMetrics(registry, "events", Tags.of("app", "test"), metricsClock).instrument(realBus);
    servlet = RealtimeSseServlet.builder(bus)
        .scheduler(heartbeats)
        .ticker(heartbeats.ticker())
        .maxBufferedBytes(maxBufferedBytes)
        .build();
    new RealtimeSseMetrics(servlet, "sse", Tags.of("app", "test")).bindTo(registry);
    server = TestServer.start(context -> {
      ServletHolder holder = new ServletHolder(servlet);
      holder.setAsyncSupported(true);
      context.addServlet(holder, "/sse");
    });
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (realBus != null) {
      realBus.close();
    }
  }

  int port() {
    return server.uri("/").getPort();
  }

  double sse(String name) {
    return registry.get(name).tags("name", "sse", "app", "test").functionCounter().count();
  }

  double realtime(String name, String... tags) {
    return registry.get(name).tags("name", "events").tags(tags).counter().count();
  }

  void publish(String topic, int n) {
    bus.publish(ChangeDraft.update(topic, "k", "{\"n\":" + n + "}", null));
  }

  @Test
  void connectsReplaysLiveEventsResetsAndDisconnectsAreCountedExactly() throws Exception {
    start(2, 1 << 20);
    publish("orders", 1);
    publish("orders", 2);

    try (RawSse a = new RawSse(0, port(), "/sse?topics=orders", "Last-Event-ID: orders:0")) {
      assertThat(a.status).contains(" 200 ");
      assertThat(a.next().event()).isEqualTo("subscribed");
      assertThat(a.next().id()).isEqualTo("orders:1"); // replayed
      assertThat(a.next().id()).isEqualTo("orders:2"); // replayed
      publish("orders", 3);
      assertThat(a.next().id()).isEqualTo("orders:3"); // live

      try (RawSse b = new RawSse(0, port(), "/sse?topics=orders", "Last-Event-ID: orders:0")) {
        assertThat(b.next().event()).isEqualTo("subscribed");
        assertThat(b.next().event()).isEqualTo("reset"); // event 1 left the log of 2

        assertThat(registry.get("sync.sse.connections").tag("name", "sse").gauge().value()).isEqualTo(2);
        assertThat(registry.get("sync.realtime.subscriptions").tag("name", "events").gauge().value()).isEqualTo(2);
        assertThat(sse("sync.sse.connects")).isEqualTo(2);
        assertThat(sse("sync.sse.events.sent")).isEqualTo(3);
        assertThat(sse("sync.sse.resets")).isEqualTo(1);
        assertThat(realtime("sync.realtime.published")).isEqualTo(3);
        assertThat(realtime("sync.realtime.delivered", "kind", "replay")).isEqualTo(2);
        assertThat(realtime("sync.realtime.delivered", "kind", "live")).isEqualTo(1);
        assertThat(realtime("sync.realtime.resets")).isEqualTo(1);
        var fanout = registry.get("sync.realtime.fanout").tag("name", "events").timer();
        assertThat(fanout.count()).isEqualTo(1);
        assertThat(fanout.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(CLOCK_OFFSET.toMillis());

        a.abort(); // the client vanishes; the next heartbeat finds the dead connection
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          heartbeats.advance(Duration.ofSeconds(15));
          assertThat(registry.get("sync.sse.connections").tag("name", "sse").gauge().value()).isEqualTo(1);
        });
        assertThat(sse("sync.sse.disconnects")).isEqualTo(1);
        assertThat(sse("sync.sse.heartbeats")).isGreaterThanOrEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(realtime("sync.realtime.subscriptions.closed", "reason", "unsubscribed")).isEqualTo(1));
      }
    }
    assertThat(servlet.disconnectAll()).isLessThanOrEqualTo(1); // b may already be found gone
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(sse("sync.sse.disconnects")).isEqualTo(2));
    assertThat(sse("sync.sse.connects")).isEqualTo(2);
    assertThat(sse("sync.sse.cutoffs")).isZero();
    assertThat(registry.get("sync.sse.connections").tag("name", "sse").gauge().value()).isZero();

    HttpResponse<String> refused = server.send(HttpRequest.newBuilder(server.uri("/sse")).build());
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(sse("sync.sse.rejected")).isEqualTo(1);
  }

  @Test
  void aClientThatStopsReadingIsCutOffOnceAndCounted() throws Exception {
    start(10_000, 16 * 1024);
    String payload = "{\"pad\":\"" + "x".repeat(2000) + "\"}";
    try (RawSse stalled = new RawSse(4096, port(), "/sse?topics=slow")) {
      assertThat(stalled.next().event()).isEqualTo("subscribed"); // then it never reads again
      int published = 0;
      while (servlet.stats().cutOffs() == 0 && published < 50_000) {
        bus.publish(ChangeDraft.update("slow", "k", payload, null));
        published++;
        if (published % 200 == 0) {
          int target = published;
          await().atMost(Duration.ofSeconds(10)).until(() ->
              realtime("sync.realtime.delivered", "kind", "live") >= target || servlet.stats().cutOffs() > 0);
        }
      }
      assertThat(sse("sync.sse.cutoffs")).isEqualTo(1);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(sse("sync.sse.disconnects")).isEqualTo(1);
        assertThat(realtime("sync.realtime.subscriptions.closed", "reason", "unsubscribed")).isEqualTo(1);
      });
      assertThat(realtime("sync.realtime.subscriptions.closed", "reason", "overflow")).isZero();
      assertThat(realtime("sync.realtime.published")).isEqualTo(published);
    }
  }
}
