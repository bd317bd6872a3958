package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class IdempotencyFilterBuilderTest {

  @Test
  void defaultsAreThoseDocumented() {
    IdempotencyFilter filter = IdempotencyFilter.builder().build();
    IdempotencyFilterEngine engine = engineOf(filter);
    assertThat(engine.methods).containsExactlyInAnyOrder("POST", "PUT", "PATCH");
    assertThat(engine.maxBodyBytes).isEqualTo(1024 * 1024);
    assertThat(engine.captureLimit).isEqualTo(1024 * 1024 - 64); // the store's 1 MiB less its overhead
    assertThat(engine.lease).isEqualTo(Duration.ofSeconds(30));
    assertThat(engine.retention).isEqualTo(Duration.ofHours(24));
    assertThat(engine.storeServerErrors).isFalse();
    assertThat(filter.store()).isInstanceOf(InMemoryIdempotencyStore.class);
  }

  @Test
  void settersRejectNullsWithFixedMessages() {
    IdempotencyFilterBuilder b = IdempotencyFilter.builder();
    assertThatThrownBy(() -> b.store(null)).isInstanceOf(NullPointerException.class).hasMessage("store cannot be null");
    assertThatThrownBy(() -> b.scopeResolver(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("scopeResolver cannot be null");
    assertThatThrownBy(() -> b.listener(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("listener cannot be null");
    assertThatThrownBy(() -> b.ticker(null)).isInstanceOf(NullPointerException.class).hasMessage("ticker cannot be null");
    assertThatThrownBy(() -> b.lease(null)).isInstanceOf(NullPointerException.class).hasMessage("lease cannot be null");
    assertThatThrownBy(() -> b.methods((String) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("method cannot be null");
  }

  @Test
  void settersRejectOutOfRangeValues() {
    IdempotencyFilterBuilder b = IdempotencyFilter.builder();
    assertThatThrownBy(() -> b.methods()).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("methods must name at least one method");
    assertThatThrownBy(() -> b.methods("PO ST")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("method must be letters only: PO ST");
    assertThatThrownBy(() -> b.maxKeyLength(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxKeyLength must be between 1 and 1024: 0");
    assertThatThrownBy(() -> b.maxKeyLength(1025)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxBodyBytes(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("maxBodyBytes must be between 0 and");
    assertThatThrownBy(() -> b.maxResponseBytes(Integer.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.lease(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lease must be positive and at most 10000 days: PT0S");
    assertThatThrownBy(() -> b.retention(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.inProgressWait(Duration.ofSeconds(61))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("wait must be between 0 and 60 s: PT1M1S");
    assertThatThrownBy(() -> b.pollInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.requireKey("orders")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pattern must be /exact/path, /prefix/*, *.extension or /: orders");
  }

  @Test
  void secretHeadersCanNeverBeReplayed() {
    IdempotencyFilterBuilder b = IdempotencyFilter.builder();
    for (String h : new String[] {"Set-Cookie", "authorization", "WWW-Authenticate", "Proxy-Authenticate", "Content-Length"}) {
      assertThatThrownBy(() -> b.replayHeaders(h)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("header is never replayed: " + h);
    }
    assertThatThrownBy(() -> b.replayHeaders(" ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("header name cannot be empty");
  }

  @Test
  void conflictingOptionsAreRefused() {
    assertThatThrownBy(() -> IdempotencyFilter.builder().requireKey("/a/*").optionalKey("/a/*"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("pattern /a/* cannot be both required and optional");
    assertThatThrownBy(() -> IdempotencyFilter.builder().lease(Duration.ofSeconds(5))
        .inProgressWait(Duration.ofSeconds(10)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("inProgressWait (PT10S) cannot exceed the lease (PT5S)");
  }

  @Test
  void captureLimitFollowsASmallerStoreLimit() {
    IdempotencyFilter filter = IdempotencyFilter.builder()
        .store(InMemoryIdempotencyStore.builder().maxResponseBytes(10_000).build()).build();
    assertThat(engineOf(filter).captureLimit).isEqualTo(10_000 - 64);
  }

  @Test
  void builderCanBeReusedAfterBuild() {
    IdempotencyFilterBuilder b = IdempotencyFilter.builder().methods("POST");
    IdempotencyFilter first = b.build();
    b.methods("DELETE");
    assertThat(engineOf(first).methods).containsExactly("POST");
    assertThat(engineOf(b.build()).methods).containsExactly("DELETE");
  }

  @Test
  void uninitialisedFilterSaysSo() {
    assertThatThrownBy(() -> new IdempotencyFilter().stats()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not initialised");
  }

  private static IdempotencyFilterEngine engineOf(IdempotencyFilter filter) {
    try {
      java.lang.reflect.Field f = IdempotencyFilter.class.getDeclaredField("engine");
      f.setAccessible(true);
      return (IdempotencyFilterEngine) f.get(filter);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
