package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.examples.LedgerConsumer.LedgerMessage;
import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.micrometer.IdempotencyStoreMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Redis and PostgreSQL stores' statistics as meters, on the real servers: a message consumer
 * applies a message and gets one redelivery, and the store's meters say so. Needs Redis and
 * PostgreSQL on 127.0.0.1; skipped without them, except under {@code CI=true}.
 */
class StoreMetricsTest {

  @ParameterizedTest
  @ValueSource(strings = {"redis", "postgres"})
  void theStoresCountsAreMeters(String kind) throws Exception {
    LedgerConsumerTest.withStore(kind, store -> {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new IdempotencyStoreMetrics(store, "ledger").bindTo(registry);
      LedgerConsumer consumer = new LedgerConsumer(Idempotency.of(store));
      LedgerMessage credit = new LedgerMessage("msg-" + UUID.randomUUID(), "acc-1", 100);

      consumer.onMessage(credit);
      consumer.onMessage(credit); // redelivered

      assertThat(registry.get("sync.idempotency.store.claims").tags("name", "ledger", "outcome", "claimed")
          .functionCounter().count()).isEqualTo(1);
      assertThat(registry.get("sync.idempotency.store.claims").tags("name", "ledger", "outcome", "replayed")
          .functionCounter().count()).isEqualTo(1);
      assertThat(registry.get("sync.idempotency.store.settlements").tags("name", "ledger", "outcome", "completed")
          .functionCounter().count()).isEqualTo(1);
      assertThat(registry.get("sync.idempotency.store.unavailable").tags("name", "ledger")
          .functionCounter().count()).isZero();
      assertThat(registry.find("sync.idempotency.store.entries").meters()).as("the entries live in the server").isEmpty();
    });
  }
}
