package dev.closedloop.sync.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStoreFullException;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.time.ManualTicker;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A real in-memory store on a manual clock, read by {@link IdempotencyStoreMetrics}. */
class IdempotencyStoreMetricsTest {
  static final String FP = "f".repeat(64);
  static final String OTHER_FP = "e".repeat(64);
  static final Duration LEASE = Duration.ofSeconds(30);

  final ManualTicker time = new ManualTicker();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  InMemoryIdempotencyStore store(int maxEntries) {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.builder()
        .clock(time)
        .maxEntries(maxEntries)
        .sweepInterval(Duration.ofHours(1)) // sweeps only when a test asks
        .build();
    new IdempotencyStoreMetrics(store, "orders", Tags.of("app", "test")).bindTo(registry);
    return store;
  }

  double counter(String name, String tagKey, String tagValue) {
    return registry.get(name).tags("name", "orders", "app", "test", tagKey, tagValue).functionCounter().count();
  }

  static IdempotencyKey key(String k) {
    return IdempotencyKey.of("user:ann", k);
  }

  static StoredResponse created(String body) {
    return StoredResponse.of(201, Map.of(), body.getBytes(StandardCharsets.UTF_8));
  }

  static String token(ClaimResult r) {
    return ((ClaimResult.Claimed) r).token();
  }

  @Test
  void claimsReplaysConflictsMismatchesAndSettlementsAreCounted() {
    InMemoryIdempotencyStore store = store(100);

    String t1 = token(store.claim(key("k1"), FP, LEASE));
    assertThat(store.claim(key("k1"), FP, LEASE)).isInstanceOf(ClaimResult.InProgress.class);
    assertThat(store.complete(key("k1"), t1, created("{\"id\":1}"), Duration.ofHours(1))).isTrue();
    assertThat(store.claim(key("k1"), FP, LEASE)).isInstanceOf(ClaimResult.Completed.class);
    assertThat(store.claim(key("k1"), OTHER_FP, LEASE)).isInstanceOf(ClaimResult.Mismatch.class);
    String t2 = token(store.claim(key("k2"), FP, LEASE));
    assertThat(store.release(key("k2"), t2)).isTrue();
    assertThat(store.release(key("k2"), t2)).isFalse(); // no longer the owner

    assertThat(counter("sync.idempotency.store.claims", "outcome", "claimed")).isEqualTo(2);
    assertThat(counter("sync.idempotency.store.claims", "outcome", "in_progress")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.claims", "outcome", "replayed")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.claims", "outcome", "mismatch")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.settlements", "outcome", "completed")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.settlements", "outcome", "released")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.settlements", "outcome", "stale_owner")).isEqualTo(1);
    assertThat(registry.get("sync.idempotency.store.entries").tag("name", "orders").gauge().value()).isEqualTo(1);
    assertThat(registry.get("sync.idempotency.store.bytes").tag("name", "orders").gauge().value())
        .isEqualTo(store.stats().bytes())
        .isGreaterThan(0);
  }

  @Test
  void aTakeoverAndTheStaleOwnersLateCompletionAreCounted() {
    InMemoryIdempotencyStore store = store(100);

    String stale = token(store.claim(key("a"), FP, Duration.ofSeconds(1)));
    time.advance(Duration.ofSeconds(2));
    String owner = token(store.claim(key("a"), FP, LEASE)); // the lease ended: taken over
    assertThat(store.complete(key("a"), stale, created("late"), Duration.ofHours(1))).isFalse();
    assertThat(store.complete(key("a"), owner, created("done"), Duration.ofHours(1))).isTrue();

    assertThat(registry.get("sync.idempotency.store.takeovers").tag("name", "orders").functionCounter().count())
        .isEqualTo(1);
    assertThat(counter("sync.idempotency.store.claims", "outcome", "claimed")).isEqualTo(2);
    assertThat(counter("sync.idempotency.store.settlements", "outcome", "stale_owner")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.settlements", "outcome", "completed")).isEqualTo(1);
  }

  @Test
  void aFullStoreEvictionsAndExpirationsAreCounted() {
    InMemoryIdempotencyStore store = store(1);

    String a = token(store.claim(key("a"), FP, LEASE));
    assertThatThrownBy(() -> store.claim(key("b"), FP, LEASE)).isInstanceOf(IdempotencyStoreFullException.class);
    assertThat(store.complete(key("a"), a, created("done"), Duration.ofSeconds(5))).isTrue();
    String c = token(store.claim(key("c"), FP, LEASE)); // evicts the completed "a" to make room
    assertThat(store.complete(key("c"), c, created("done"), Duration.ofSeconds(5))).isTrue();
    time.advance(Duration.ofSeconds(6));
    assertThat(store.sweep()).isEqualTo(1);

    assertThat(counter("sync.idempotency.store.claims", "outcome", "full")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.evictions", "cause", "bounds")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.evictions", "cause", "expired")).isEqualTo(1);
    assertThat(registry.get("sync.idempotency.store.entries").tag("name", "orders").gauge().value()).isZero();
    assertThat(registry.get("sync.idempotency.store.bytes").tag("name", "orders").gauge().value()).isZero();
  }
}
