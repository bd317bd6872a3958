/**
 * Closed Loop Sync's core: time, retry, circuit breaker, idempotency and the durable offline
 * queue, with no dependency but SLF4J. The engines stay in their packages, package-private; the
 * {@code spi} packages hold what implementers of a store or a bus need.
 */
module dev.closedloop.sync.core {
  requires org.slf4j;
  requires static org.jspecify;

  exports dev.closedloop.sync;
  exports dev.closedloop.sync.breaker;
  exports dev.closedloop.sync.idempotency;
  exports dev.closedloop.sync.idempotency.spi;
  exports dev.closedloop.sync.queue;
  exports dev.closedloop.sync.retry;
  exports dev.closedloop.sync.spi;
  exports dev.closedloop.sync.time;
}
