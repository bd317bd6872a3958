package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.queue.OfflineQueue;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class OfflineSyncBuilderTest {
  private final OfflineQueue queue = OfflineQueue.builder().buildInMemory();

  @Test
  void settersValidateAtOnce() {
    assertThatThrownBy(() -> OfflineSync.builder(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("queue cannot be null");
    OfflineSyncBuilder b = OfflineSync.builder(queue);
    assertThatThrownBy(() -> b.requestTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be positive: PT0S");
    assertThatThrownBy(() -> b.resyncDelay(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("delay cannot be null");
    assertThatThrownBy(() -> b.secretHeaders(null)).hasMessage("supplier cannot be null");
    assertThatThrownBy(() -> b.connectivity(null)).hasMessage("connectivity cannot be null");
    b.handler("note", new ReplayHandler() {});
    assertThatThrownBy(() -> b.handler("note", new ReplayHandler() {})).isInstanceOf(IllegalStateException.class)
        .hasMessage("a handler is already registered for mutation 'note'");
  }

  @Test
  void aClosedSyncRefusesToSync() throws Exception {
    OfflineSync sync = OfflineSync.builder(queue).build();
    sync.close();
    sync.close(); // idempotent
    assertThat(sync.syncNow()).isCompletedExceptionally();
    assertThatThrownBy(() -> sync.syncNow().join()).hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("offline sync is closed");
  }

  @Test
  void queuedRequestsValidateTheirParts() {
    URI uri = URI.create("http://127.0.0.1:9/x");
    assertThatThrownBy(() -> QueuedRequest.of(" ", "POST", uri, "k", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("mutationName must not be blank");
    assertThatThrownBy(() -> QueuedRequest.of("m", "POST", URI.create("x"), "k", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("uri must be an absolute http(s) URI: x");
    assertThatThrownBy(() -> QueuedRequest.of("m", "POST", uri, "k", new byte[0]).withPriority(-2))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("priority must not be negative: -2");
    assertThatThrownBy(() -> QueuedRequest.of("m", "POST", uri, "k", new byte[0]).withScope(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("scope must not be empty");
  }

  @Test
  void probesValidateToo() {
    assertThatThrownBy(() -> Connectivity.probe(URI.create("/health"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("uri must be an absolute http(s) URI: /health");
    assertThatThrownBy(() -> Connectivity.probe(URI.create("http://h/health")).interval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("interval must be positive: PT0S");
  }
}
