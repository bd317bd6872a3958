package dev.closedloop.sync.spring.boot;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import org.springframework.test.context.TestPropertySource;

/** The HTTP scenarios on the in-memory store and the in-process bus. */
@TestPropertySource(properties = {"closedloop.idempotency.store=memory", "closedloop.realtime.bus=in-process",
    // no database in this variant (the names on Spring Boot 4 and 3.5)
    "spring.autoconfigure.exclude=org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
        + "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"})
class MemoryHttpTest extends HttpTestBase {
  @Override
  Class<? extends IdempotencyStore> expectedStore() {
    return InMemoryIdempotencyStore.class;
  }

  @Override
  String expectedBus() {
    return "InProcessRealtimeBus";
  }
}
