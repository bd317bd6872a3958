package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.examples.LedgerConsumer.LedgerMessage;
import dev.closedloop.sync.examples.LedgerConsumer.Receipt;
import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.idempotency.IdempotencyKeyReusedException;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.jdbc.JdbcIdempotencyStore;
import dev.closedloop.sync.redis.RedisIdempotencyStore;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LedgerConsumer} against the real shared stores: a redelivered message is applied once,
 * also when the redelivery goes to another consumer instance, and 16 concurrent deliveries of one
 * message apply it once and all get its receipt. Needs Redis and PostgreSQL on 127.0.0.1 ({@code
 * SYNC_REDIS_URL}, {@code SYNC_JDBC_URL}); skipped without them, except under {@code CI=true}.
 */
class LedgerConsumerTest {
  private static final int DELIVERIES = 16;

  interface StoreCase {
    void run(IdempotencyStore store) throws Exception;
  }

  /** Runs {@code body} on a fresh store of {@code kind} (its own key prefix or table), then cleans up. */
  static void withStore(String kind, StoreCase body) throws Exception {
    if (kind.equals("redis")) {
      String url = SharedStoreTest.reachable(System.getenv().getOrDefault("SYNC_REDIS_URL", Backends.DEFAULT_REDIS_URL));
      try (RedisIdempotencyStore store = Backends.redisStore(url, "ledger-test:" + UUID.randomUUID() + ":")) {
        body.run(store);
      }
      return;
    }
    String url = System.getenv().getOrDefault("SYNC_JDBC_URL", Backends.DEFAULT_JDBC_URL);
    SharedStoreTest.reachable("postgresql://" + URI.create(url.substring("jdbc:".length())).getAuthority());
    String table = "ledger_idem_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (HikariDataSource pool = Backends.postgresPool(url);
        JdbcIdempotencyStore store = Backends.postgresStore(pool, table)) {
      try {
        body.run(store);
      } finally {
        try (var c = pool.getConnection(); var s = c.createStatement()) {
          s.execute("DROP TABLE IF EXISTS " + table);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "postgres"})
  void aRedeliveredMessageIsAppliedOnce(String kind) throws Exception {
    withStore(kind, store -> {
      LedgerConsumer consumer = new LedgerConsumer(Idempotency.builder()
          .store(store)
          .inProgressWait(Duration.ofSeconds(5))
          .build());
      LedgerMessage credit = new LedgerMessage("msg-" + UUID.randomUUID(), "acc-1", 1_000);

      Receipt first = consumer.onMessage(credit);
      Receipt redelivered = consumer.onMessage(credit);

      assertThat(redelivered).isEqualTo(first);
      assertThat(first).isEqualTo(new Receipt(credit.id(), "acc-1", 1, 1_000));
      assertThat(consumer.entries()).isEqualTo(1);
      assertThat(consumer.balanceCents("acc-1")).isEqualTo(1_000);
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "postgres"})
  void aRedeliveryToAnotherConsumerInstanceIsAnsweredFromTheStore(String kind) throws Exception {
    withStore(kind, store -> {
      LedgerConsumer a = new LedgerConsumer(Idempotency.of(store));
      LedgerConsumer b = new LedgerConsumer(Idempotency.of(store));
      LedgerMessage credit = new LedgerMessage("msg-" + UUID.randomUUID(), "acc-1", 250);

      Receipt first = a.onMessage(credit);
      Receipt rebalanced = b.onMessage(credit); // the broker handed the message to b after a's crash

      assertThat(rebalanced).isEqualTo(first);
      assertThat(a.entries()).isEqualTo(1);
      assertThat(b.entries()).as("b applied nothing").isZero();
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "postgres"})
  void sixteenConcurrentDeliveriesApplyTheMessageOnceAndAllGetItsReceipt(String kind) throws Exception {
    withStore(kind, store -> {
      LedgerConsumer consumer = new LedgerConsumer(Idempotency.builder()
          .store(store)
          .inProgressWait(Duration.ofSeconds(20))
          .build());
      LedgerMessage credit = new LedgerMessage("msg-" + UUID.randomUUID(), "acc-1", 100);
      ExecutorService pool = Executors.newFixedThreadPool(DELIVERIES);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Receipt>> receipts = new ArrayList<>();
        for (int i = 0; i < DELIVERIES; i++) {
          receipts.add(pool.submit(() -> {
            start.await();
            return consumer.onMessage(credit);
          }));
        }
        start.countDown();

        Set<Receipt> distinct = new HashSet<>();
        for (Future<Receipt> f : receipts) {
          distinct.add(f.get(30, TimeUnit.SECONDS));
        }
        assertThat(distinct).containsExactly(new Receipt(credit.id(), "acc-1", 1, 100));
        assertThat(consumer.entries()).isEqualTo(1);
        assertThat(consumer.balanceCents("acc-1")).isEqualTo(100);
      } finally {
        pool.shutdownNow();
      }
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis", "postgres"})
  void aDifferentMessageUnderAUsedIdIsRefused(String kind) throws Exception {
    withStore(kind, store -> {
      LedgerConsumer consumer = new LedgerConsumer(Idempotency.of(store));
      String id = "msg-" + UUID.randomUUID();
      consumer.onMessage(new LedgerMessage(id, "acc-1", 100));

      assertThatThrownBy(() -> consumer.onMessage(new LedgerMessage(id, "acc-1", 999_999)))
          .isInstanceOf(IdempotencyKeyReusedException.class);
      assertThat(consumer.balanceCents("acc-1")).isEqualTo(100);
    });
  }
}
