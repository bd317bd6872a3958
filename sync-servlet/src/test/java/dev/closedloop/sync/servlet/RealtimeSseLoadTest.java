package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.spi.ChangeEventJson;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.time.Ticker;
import dev.closedloop.sync.time.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Many streams through real HTTP. Sizes come from system properties with the numbers as
 * defaults: {@code sse.subscribers} (200), {@code sse.events} (1000), {@code sse.churn} (1000).
 */
class RealtimeSseLoadTest {
  private static final int SUBSCRIBERS = Integer.getInteger("sse.subscribers", 200);
  private static final int EVENTS = Integer.getInteger("sse.events", 1000);
  private static final int CHURN = Integer.getInteger("sse.churn", 1000);

  private final VirtualScheduler scheduler = new VirtualScheduler();
  private final InProcessRealtimeBus bus = InProcessRealtimeBus.builder().build();
  private SseTestServer server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    bus.close();
  }

  private SseTestServer start(RealtimeSseServletBuilder b) throws Exception {
    server = new SseTestServer(b.scheduler(scheduler).ticker(scheduler.ticker()).build());
    return server;
  }

  @Test
  void everySubscriberReceivesEveryEventInOrderNoneLostNoneDoubled() throws Exception {
    start(RealtimeSseServlet.builder(bus));
    AtomicInteger subscribed = new AtomicInteger();
    AtomicLongArray last = new AtomicLongArray(SUBSCRIBERS);
    AtomicLongArray received = new AtomicLongArray(SUBSCRIBERS);
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    try (NioSseClients clients = new NioSseClients(server.port(), "/sse?topics=fanout", SUBSCRIBERS, (i, f) -> {
      if (f.event().equals("subscribed")) {
        subscribed.incrementAndGet();
        return;
      }
      if (f.isComment()) {
        return;
      }
      long p = ChangeEventJson.fromJson(f.data()).position();
      if (p != last.get(i) + 1) {
        violations.add("subscriber " + i + " got " + p + " after " + last.get(i));
      }
      last.set(i, p);
      received.incrementAndGet(i);
    })) {
      await().atMost(Duration.ofSeconds(30)).until(() -> subscribed.get() == SUBSCRIBERS);
      for (int n = 1; n <= EVENTS; n++) {
        bus.publish(ChangeDraft.update("fanout", "k" + (n % 10), "{\"n\":" + n + "}", null));
      }
      await().atMost(Duration.ofSeconds(90)).until(() -> {
        for (int i = 0; i < SUBSCRIBERS; i++) {
          if (received.get(i) < EVENTS) {
            return false;
          }
        }
        return true;
      });
      assertThat(violations).isEmpty();
      for (int i = 0; i < SUBSCRIBERS; i++) {
        assertThat(received.get(i)).as("events of subscriber %d", i).isEqualTo(EVENTS);
        assertThat(last.get(i)).isEqualTo(EVENTS);
      }
    }
    RealtimeSseStats stats = server.servlet.stats();
    assertThat(stats.eventsSent()).isEqualTo((long) SUBSCRIBERS * EVENTS);
    assertThat(stats.cutOffs()).isZero();
  }

  @Test
  void aSubscriberThatNeverReadsIsCutOffWhileTheOthersGetEverything() throws Exception {
    start(RealtimeSseServlet.builder(bus).maxBufferedBytes(64 * 1024));
    int others = 3;
    String payload = "{\"blob\":\"" + "x".repeat(2000) + "\"}";
    long[] publishedAt = new long[200_001];
    AtomicLongArray last = new AtomicLongArray(others);
    ConcurrentLinkedQueue<Long> latenciesMicros = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    AtomicInteger subscribed = new AtomicInteger();
    Ticker ticker = Ticker.system();
    try (RawSse stalled = new RawSse(4096, server.port(), "/sse?topics=slow");
        NioSseClients clients = new NioSseClients(server.port(), "/sse?topics=slow", others, (i, f) -> {
          if (f.event().equals("subscribed")) {
            subscribed.incrementAndGet();
            return;
          }
          if (f.isComment()) {
            return;
          }
          long p = ChangeEventJson.fromJson(f.data()).position();
          latenciesMicros.add((ticker.read() - publishedAt[(int) p]) / 1_000);
          if (p != last.get(i) + 1) {
            violations.add("subscriber " + i + " got " + p + " after " + last.get(i));
          }
          last.set(i, p);
        })) {
      assertThat(stalled.head()).startsWith("HTTP/1.1 200"); // then it never reads again
      await().atMost(Duration.ofSeconds(10)).until(() -> subscribed.get() == others);
      int published = 0;
      int batch = 20;
      while (server.servlet.stats().cutOffs() == 0 && published < 100_000) {
        for (int k = 0; k < batch; k++) {
          int p = published + 1;
          publishedAt[p] = ticker.read();
          assertThat(bus.publish(ChangeDraft.update("slow", "k", payload, null))).isEqualTo(p);
          published = p;
        }
        int target = published;
        await().atMost(Duration.ofSeconds(10)).until(() -> allAt(last, target));
      }
      assertThat(server.servlet.stats().cutOffs()).isEqualTo(1);
      for (int k = 0; k < batch; k++) {
        int p = published + 1;
        publishedAt[p] = ticker.read();
        bus.publish(ChangeDraft.update("slow", "k", payload, null));
        published = p;
      }
      int target = published;
      await().atMost(Duration.ofSeconds(10)).until(() -> allAt(last, target));
      assertThat(violations).isEmpty();
      assertThat(server.servlet.stats().openConnections()).isEqualTo(others);
      assertThat(bus.subscriptionCount()).isEqualTo(others);
      // the cut-off stream's socket is closed by the server, not left to its idle timeout: what
      // it had buffered can still be read, then the stream ends
      stalled.drainToEnd();
      assertThat(stalled.atEnd()).isTrue();
      await().atMost(Duration.ofSeconds(10))
          .until(() -> server.connector.getConnectedEndPoints().size() == others);
      long[] sorted = latenciesMicros.stream().mapToLong(Long::longValue).sorted().toArray();
      System.out.printf(
          "slow-client test: cut off after %d events of 2 KB; others' latency p50 %d us, p99 %d us, max %d us over %d deliveries%n",
          published - batch, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.99)], sorted[sorted.length - 1], sorted.length);
    }
  }

  private static boolean allAt(AtomicLongArray last, long target) {
    for (int i = 0; i < last.length(); i++) {
      if (last.get(i) < target) {
        return false;
      }
    }
    return true;
  }

  @Test
  void aThousandConnectionsOpenedAndDroppedLeaveNoSubscriptionThreadOrTimerBehind() throws Exception {
    start(RealtimeSseServlet.builder(bus));
    try (RawSse warmUp = new RawSse(server.port(), "/sse?topics=churn")) {
      warmUp.nextEvent();
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      scheduler.advance(Duration.ofSeconds(15));
      assertThat(server.servlet.stats().openConnections()).isZero();
    });
    Set<String> before = threadNames();
    int batch = 100;
    for (int opened = 0; opened < CHURN; opened += batch) {
      List<RawSse> conns = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        conns.add(new RawSse(server.port(), "/sse?topics=churn,other" + (i % 3)));
      }
      for (RawSse c : conns) {
        assertThat(c.nextEvent().event()).isEqualTo("subscribed");
      }
      for (int i = 0; i < conns.size(); i++) {
        if (i % 2 == 0) {
          conns.get(i).abort(); // TCP reset
        } else {
          conns.get(i).close(); // orderly FIN
        }
      }
    }
    bus.publish(ChangeDraft.broadcast("churn", null)); // a write finds some of the dead ones
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      scheduler.advance(Duration.ofSeconds(15)); // heartbeats find the rest
      assertThat(server.servlet.stats().openConnections()).isZero();
    });
    RealtimeSseStats stats = server.servlet.stats();
    assertThat(stats.connectionsOpened()).isEqualTo(CHURN + 1L);
    assertThat(stats.connectionsClosed()).isEqualTo(CHURN + 1L);
    assertThat(bus.subscriptionCount()).isZero();
    scheduler.advance(Duration.ofSeconds(15));
    assertThat(scheduler.pendingCount()).as("heartbeat timer left armed").isZero();
    Set<String> after = threadNames();
    after.removeAll(before);
    assertThat(after).as("threads created by %d streams and still alive", CHURN).isEmpty();
    long deliveryThreads = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().contains("-delivery-")).count();
    assertThat(deliveryThreads).isLessThanOrEqualTo(8);
  }

  /** Names of live threads, minus pools that grow and shrink on their own (Jetty's, Awaitility's, the bus's). */
  private static Set<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .filter(n -> !n.startsWith("qtp") && !n.startsWith("awaitility") && !n.contains("-delivery-"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

}
