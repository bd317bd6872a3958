package dev.closedloop.sync.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.IdempotencyStoreCounters;
import dev.closedloop.sync.idempotency.IdempotencyStoreStats;
import dev.closedloop.sync.idempotency.StoredResponse;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link IdempotencyStoreMetrics} over the stats of a store that keeps its entries in a server
 * (Redis, PostgreSQL): the counts a node saw, no entry, byte or eviction meters. The stats come
 * from {@link IdempotencyStoreCounters}, which those stores count with; the stores themselves are
 * measured on the real servers in {@code sync-examples}' {@code StoreMetricsTest}.
 */
class RemoteIdempotencyStoreMetricsTest {
  private final IdempotencyStoreCounters counters = new IdempotencyStoreCounters();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /** Only its stats are read here; as Redis and PostgreSQL do, it cannot tell its entries. */
  private final IdempotencyStore remote = new IdempotencyStore() {
    @Override
    public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean release(IdempotencyKey key, String token) {
      throw new UnsupportedOperationException();
    }

    @Override
    public IdempotencyStoreStats stats() {
      return counters.snapshot(-1, -1);
    }
  };

  private double counter(String name, String... tags) {
    return registry.get(name).tags("name", "orders", "node", "n1").tags(tags).functionCounter().count();
  }

  @Test
  void countsAreReadAtEachScrapeAndThereAreNoEntryMeters() {
    new IdempotencyStoreMetrics(remote, "orders", Tags.of("node", "n1")).bindTo(registry);

    counters.claimed(new ClaimResult.Claimed("t"));
    counters.claimed(new ClaimResult.InProgress(Duration.ofSeconds(1)));
    counters.claimed(new ClaimResult.Completed(StoredResponse.of(200, Map.of(), new byte[0])));
    counters.completed(StoredResponse.notReplayable(200));
    counters.renewed();
    counters.renewed();
    counters.staleOwner();
    counters.unavailable();

    assertThat(counter("sync.idempotency.store.claims", "outcome", "claimed")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.claims", "outcome", "in_progress")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.claims", "outcome", "replayed")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.settlements", "outcome", "completed")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.settlements", "outcome", "stale_owner")).isEqualTo(1);
    assertThat(counter("sync.idempotency.store.renewals")).isEqualTo(2);
    assertThat(counter("sync.idempotency.store.unavailable")).isEqualTo(1);
    assertThat(registry.find("sync.idempotency.store.entries").meters()).isEmpty();
    assertThat(registry.find("sync.idempotency.store.bytes").meters()).isEmpty();
    assertThat(registry.find("sync.idempotency.store.evictions").meters()).isEmpty();

    counters.unavailable();
    assertThat(counter("sync.idempotency.store.unavailable")).as("read again at the next scrape").isEqualTo(2);
  }

  @Test
  void aStoreThatKeepsNoStatisticsIsRefusedAtOnce() {
    IdempotencyStore silent = new IdempotencyStore() {
      @Override
      public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
        throw new UnsupportedOperationException();
      }

      @Override
      public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
        throw new UnsupportedOperationException();
      }

      @Override
      public boolean release(IdempotencyKey key, String token) {
        throw new UnsupportedOperationException();
      }
    };
    assertThatThrownBy(() -> new IdempotencyStoreMetrics(silent, "orders"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keeps no statistics");
  }
}
