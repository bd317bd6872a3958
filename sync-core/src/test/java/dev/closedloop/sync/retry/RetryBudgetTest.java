package dev.closedloop.sync.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryBudgetTest {

  @Test
  void retriesStopAtHalfTheBucketAndSuccessesReopenThem() {
    RetryBudget budget = RetryBudget.ofDefaults();
    assertThat(budget.tokens()).isEqualTo(10.0);

    for (int i = 0; i < 4; i++) {
      budget.onFailure();
    }
    assertThat(budget.allowsRetry()).isTrue(); // 6 > 5
    budget.onFailure();
    assertThat(budget.tokens()).isEqualTo(5.0);
    assertThat(budget.allowsRetry()).isFalse(); // not above half
    budget.onSuccess();
    assertThat(budget.tokens()).isEqualTo(5.1);
    assertThat(budget.allowsRetry()).isTrue();
  }

  @Test
  void tokensStayWithinZeroAndTheCapacity() {
    RetryBudget budget = RetryBudget.of(2, 1);
    for (int i = 0; i < 10; i++) {
      budget.onFailure();
    }
    assertThat(budget.tokens()).isZero();
    for (int i = 0; i < 10; i++) {
      budget.onSuccess();
    }
    assertThat(budget.tokens()).isEqualTo(2.0);
    assertThat(budget.maxTokens()).isEqualTo(2.0);
  }

  @ParameterizedTest
  @CsvSource({"0.5, 0.1, 'maxTokens must be in [1, 1000000]: 0.5'", "1000001, 0.1, 'maxTokens must be in [1, 1000000]: 1000001.0'",
    "NaN, 0.1, 'maxTokens must be in [1, 1000000]: NaN'", "10, 0, 'tokenRatio must be in (0, 1]: 0.0'",
    "10, 1.5, 'tokenRatio must be in (0, 1]: 1.5'", "10, NaN, 'tokenRatio must be in (0, 1]: NaN'"})
  void outOfRangeSettingsAreRejected(double maxTokens, double ratio, String message) {
    assertThatThrownBy(() -> RetryBudget.of(maxTokens, ratio))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void concurrentFailuresAndSuccessesLoseNoUpdate() throws Exception {
    RetryBudget budget = RetryBudget.of(1_000_000, 0.5);
    for (int i = 0; i < 500_000; i++) {
      budget.onFailure(); // half full: no interleaving can reach 0 or the capacity below
    }
    int threads = 16;
    int perThread = 20_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      boolean failing = t % 2 == 0;
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perThread; i++) {
          if (failing) {
            budget.onFailure();
            budget.onFailure();
          } else {
            budget.onSuccess();
          }
        }
      });
      thread.start();
      started.add(thread);
    }

    start.countDown();
    for (Thread thread : started) {
      thread.join();
    }

    // 8 threads take 2 * 20,000 tokens each, 8 give back 0.5 * 20,000 each; the count stays
    // within [180,000, 580,000], so it is exact whatever the interleaving.
    assertThat(budget.tokens()).isEqualTo(500_000.0 - 320_000 + 80_000);
  }
}
