package dev.closedloop.sync.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.closedloop.sync.time.VirtualScheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** {@code executeAsync(call, listener)}: one policy, a listener per call, after the policy's own. */
class RetryCallListenerTest {
  private final VirtualScheduler scheduler = new VirtualScheduler();
  private final List<String> heard = new CopyOnWriteArrayList<>();

  private RetryListener<String> named(String name) {
    return new RetryListener<>() {
      @Override
      public void onRetryScheduled(int attempt, @Nullable String r, @Nullable Throwable f, RetryDecision d) {
        heard.add(name + " retry " + attempt + " after " + d.delay().toMillis() + " ms");
      }

      @Override
      public void onSuccess(int attempts, @Nullable String result) {
        heard.add(name + " success " + attempts + " " + result);
      }

      @Override
      public void onFailure(RetryOutcome<String> outcome) {
        heard.add(name + " failure " + outcome.attempts());
      }
    };
  }

  private RetryPolicy<String> policy() {
    return RetryPolicy.<String>builder().maxAttempts(3).fixedDelay(Duration.ofMillis(100)).jitter(Jitter.none())
        .ticker(scheduler.ticker()).scheduler(scheduler).listener(named("policy")).build();
  }

  @Test
  void eachCallsListenerHearsOnlyItsOwnCallAfterThePolicysListeners() {
    RetryPolicy<String> policy = policy();
    int[] attemptsA = {0};
    CompletableFuture<String> a = policy.executeAsync(ctx -> ++attemptsA[0] < 2
        ? CompletableFuture.failedFuture(new IOException("down")) : CompletableFuture.completedFuture("A"),
        named("a"));
    CompletableFuture<String> b = policy.executeAsync(
        ctx -> CompletableFuture.failedFuture(new IOException("always")), named("b"));
    scheduler.advance(Duration.ofSeconds(1));

    assertThat(a).isCompletedWithValue("A");
    assertThat(b).isCompletedExceptionally();
    assertThat(heard.stream().filter(h -> h.startsWith("a "))).containsExactly("a retry 1 after 100 ms",
        "a success 2 A");
    assertThat(heard.stream().filter(h -> h.startsWith("b "))).containsExactly("b retry 1 after 100 ms",
        "b retry 2 after 100 ms", "b failure 3");
    for (String own : List.of("a retry 1 after 100 ms", "a success 2 A", "b failure 3")) {
      int i = heard.indexOf(own);
      assertThat(heard.get(i - 1)).as("before %s", own).startsWith("policy " + own.substring(2));
    }
  }

  @Test
  void aCallListenerThatThrowsChangesNothingForTheCall() {
    RetryPolicy<String> policy = policy();
    RetryListener<String> broken = new RetryListener<>() {
      @Override
      public void onRetryScheduled(int attempt, @Nullable String r, @Nullable Throwable f, RetryDecision d) {
        throw new IllegalStateException("listener bug");
      }
    };
    int[] attempts = {0};
    CompletableFuture<String> f = policy.executeAsync(ctx -> ++attempts[0] < 3
        ? CompletableFuture.failedFuture(new IOException("down")) : CompletableFuture.completedFuture("ok"), broken);
    scheduler.advance(Duration.ofSeconds(1));

    assertThat(f).isCompletedWithValue("ok");
    assertThat(attempts[0]).isEqualTo(3);
  }

  @Test
  void nullsAreRefused() {
    RetryPolicy<String> policy = policy();
    assertThatNullPointerException().isThrownBy(() -> policy.executeAsync(ctx -> null, null))
        .withMessage("listener cannot be null");
  }
}
