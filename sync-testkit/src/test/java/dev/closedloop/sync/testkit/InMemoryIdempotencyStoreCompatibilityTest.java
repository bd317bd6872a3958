package dev.closedloop.sync.testkit;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.time.ManualTicker;
import java.time.Duration;

/** The in-memory store passes the kit on fake time. */
class InMemoryIdempotencyStoreCompatibilityTest extends IdempotencyStoreCompatibilityKit {
  private final ManualTicker time = new ManualTicker();

  @Override
  protected IdempotencyStore newStore(StoreOptions options) {
    return InMemoryIdempotencyStore.builder()
        .clock(time)
        .expiredLeasePolicy(options.expiredLeasePolicy())
        .maxEntries(options.maxEntries())
        .maxResponseBytes(options.maxResponseBytes())
        .abandonedClaimRetention(options.abandonedClaimRetention())
        .build();
  }

  @Override
  protected void advanceTime(Duration duration) {
    time.advance(duration);
  }
}
