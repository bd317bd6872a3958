package dev.closedloop.sync.retry;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/** A listener that writes down what it hears, one line per event. */
final class Recorder implements RetryListener<String> {
  final List<String> events = new CopyOnWriteArrayList<>();
  final List<RetryDecision> decisions = new CopyOnWriteArrayList<>();
  final List<Throwable> retriedFailures = new CopyOnWriteArrayList<>();

  @Override
  public void onRetryScheduled(
      int attempt, @Nullable String result, @Nullable Throwable failure, RetryDecision decision) {
    events.add("retry " + attempt + " after " + decision.delay());
    decisions.add(decision);
    if (failure != null) {
      retriedFailures.add(failure);
    }
  }

  @Override
  public void onSuccess(int attempts, @Nullable String result) {
    events.add("success " + attempts + " " + result);
  }

  @Override
  public void onFailure(RetryOutcome<String> outcome) {
    String what =
        outcome instanceof RetryOutcome.Failed
            ? ((RetryOutcome.Failed<String>) outcome).reason().toString()
            : ((RetryOutcome.Rejected<String>) outcome).cause().toString();
    events.add("failure " + outcome.attempts() + " " + what);
  }
}
