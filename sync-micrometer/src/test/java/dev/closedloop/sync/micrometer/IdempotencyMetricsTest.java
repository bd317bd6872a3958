package dev.closedloop.sync.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.idempotency.IdempotencyInProgressException;
import dev.closedloop.sync.idempotency.IdempotencyKeyReusedException;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.idempotency.ResultCodec;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link IdempotencyMetrics} on a real {@link Idempotency} over the in-memory store: a first run, a
 * redelivery, a mismatch, a failure, a conflict; the meters hold exactly those counts, and they
 * share a Prometheus registry with a filter's meters of the same names.
 */
class IdempotencyMetricsTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final InMemoryIdempotencyStore store = InMemoryIdempotencyStore.ofDefaults();
  private final AtomicInteger applied = new AtomicInteger();

  private double requests(String outcome) {
    return registry.get("sync.idempotency.requests").tags("name", "ledger", "outcome", outcome).functionCounter()
        .count();
  }

  private double counter(MeterRegistry r, String name) {
    return r.get(name).tag("name", "ledger").functionCounter().count();
  }

  @Test
  void eachOutcomeIsCountedOnceAndClaimsAreTimed() throws Exception {
    Idempotency ledger = new IdempotencyMetrics(registry, "ledger").build(Idempotency.builder().store(store));

    String first = ledger.execute("consumer", "m-1", "f1", () -> "applied " + applied.incrementAndGet(),
        ResultCodec.utf8());
    String redelivered = ledger.execute("consumer", "m-1", "f1", () -> "applied " + applied.incrementAndGet(),
        ResultCodec.utf8());
    assertThat(redelivered).isEqualTo(first).isEqualTo("applied 1");
    assertThatThrownBy(() -> ledger.execute("consumer", "m-1", "other", () -> "x", ResultCodec.utf8()))
        .isInstanceOf(IdempotencyKeyReusedException.class);
    assertThatThrownBy(() -> ledger.execute("consumer", "m-2", "f2", () -> {
      throw new IllegalStateException("the ledger is closed");
    }, ResultCodec.utf8())).hasMessage("the ledger is closed");

    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Future<String> slow = pool.submit(() -> ledger.execute("consumer", "m-3", "f3", () -> {
      running.countDown();
      finish.await(10, TimeUnit.SECONDS);
      return "slow";
    }, ResultCodec.utf8()));
    pool.shutdown();
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(() -> ledger.execute("consumer", "m-3", "f3", () -> "twice", ResultCodec.utf8()))
        .isInstanceOf(IdempotencyInProgressException.class); // no in-progress wait: refused at once
    finish.countDown();
    assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo("slow");

    assertThat(applied).hasValue(1);
    assertThat(requests("first")).isEqualTo(3); // m-1, m-2 (then released), m-3
    assertThat(requests("replayed")).isEqualTo(1);
    assertThat(requests("mismatch")).isEqualTo(1);
    assertThat(requests("conflict")).isEqualTo(1);
    assertThat(requests("not_replayable")).isZero();
    assertThat(counter(registry, "sync.idempotency.stored")).isEqualTo(2);
    assertThat(counter(registry, "sync.idempotency.stored.bytes")).isEqualTo(ledger.stats().storedBytes())
        .isGreaterThanOrEqualTo("applied 1".length() + "slow".length()); // the results and their envelope
    assertThat(counter(registry, "sync.idempotency.released")).isEqualTo(1);
    assertThat(counter(registry, "sync.idempotency.store.failures")).isZero();
    assertThat(registry.get("sync.idempotency.claims").tags("name", "ledger", "outcome", "claimed").timer().count())
        .isEqualTo(3);
    assertThat(registry.get("sync.idempotency.claims").tags("name", "ledger", "outcome", "completed").timer().count())
        .isEqualTo(1); // the redelivery
    assertThat(registry.get("sync.idempotency.claims").tags("name", "ledger", "outcome", "mismatch").timer().count())
        .isEqualTo(1);
    assertThat(registry.get("sync.idempotency.claims").tags("name", "ledger", "outcome", "in_progress").timer().count())
        .isEqualTo(1);
  }

  @Test
  void aFilterAndAPlainInstanceShareOnePrometheusRegistryByName() {
    Idempotency ledger = new IdempotencyMetrics(registry, "ledger").build(Idempotency.builder().store(store));
    new IdempotencyFilterMetrics(registry, "api").build(IdempotencyFilter.builder().store(store));
    ledger.execute("consumer", "m-1", "f", () -> "ok", ResultCodec.utf8());

    String scrape = registry.scrape();
    assertThat(scrape).contains("sync_idempotency_requests_total{name=\"ledger\",outcome=\"first\"} 1.0")
        .contains("sync_idempotency_requests_total{name=\"api\",outcome=\"first\"} 0.0")
        .contains("sync_idempotency_claims_seconds_count{name=\"ledger\",outcome=\"claimed\"} 1");
  }
}
