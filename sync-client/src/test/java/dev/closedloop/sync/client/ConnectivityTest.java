package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.time.VirtualScheduler;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConnectivityTest {

  @Test
  void manualConnectivityTellsListenersOfChangesOnlyAndIsolatesThem() {
    ManualConnectivity c = Connectivity.manual(true);
    List<Boolean> heard = new CopyOnWriteArrayList<>();
    c.addListener(online -> {
      throw new IllegalStateException("broken");
    });
    Connectivity.Listener l = heard::add;
    c.addListener(l);
    c.setOnline(true);
    c.setOnline(false);
    c.setOnline(false);
    c.setOnline(true);
    c.removeListener(l);
    c.setOnline(false);
    assertThat(heard).containsExactly(false, true);
    assertThat(c.isOnline()).isFalse();
  }

  @Test
  void theProbeFollowsTheServerDownAndUpOnTheSchedulersTime() throws Exception {
    ExecutorService httpExecutor = Executors.newFixedThreadPool(2);
    HttpClient http = HttpClient.newBuilder().executor(httpExecutor).build();
    VirtualScheduler scheduler = new VirtualScheduler();
    TestServer server = new TestServer();
    int port = server.port();
    List<Boolean> heard = new CopyOnWriteArrayList<>();
    try (ProbeConnectivity probe = Connectivity.probe(server.uri("/health")).httpClient(http).scheduler(scheduler)
        .interval(Duration.ofSeconds(10)).timeout(Duration.ofSeconds(5)).initiallyOnline(false).build()) {
      probe.addListener(heard::add);
      assertThat(probe.probeNow().get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(heard).containsExactly(true);

      probe.start();
      org.awaitility.Awaitility.await().until(() -> scheduler.pendingCount() == 1); // the next probe is timed
      server.close();
      scheduler.advance(Duration.ofSeconds(10));
      org.awaitility.Awaitility.await().until(() -> !probe.isOnline());
      assertThat(heard).containsExactly(true, false);

      server = new TestServer(port, InProcessRealtimeBus.builder().build());
      org.awaitility.Awaitility.await().until(() -> scheduler.pendingCount() == 1);
      scheduler.advance(Duration.ofSeconds(9));
      assertThat(probe.isOnline()).isFalse(); // not probed yet
      scheduler.advance(Duration.ofSeconds(1));
      org.awaitility.Awaitility.await().until(probe::isOnline);
      assertThat(heard).containsExactly(true, false, true);
    } finally {
      server.close();
      httpExecutor.shutdownNow();
    }
    assertThat(scheduler.pendingCount()).isLessThanOrEqualTo(1);
  }
}
