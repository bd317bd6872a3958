package dev.closedloop.sync.breaker;

/**
 * What a window holds at one moment: calls, failed calls and slow calls (a slow failure counts in
 * both). Not part of the API.
 */
record WindowCounts(long calls, long failures, long slow) {
  static final WindowCounts EMPTY = new WindowCounts(0, 0, 0);

  /** Returns the failure rate in percent, or -1 if fewer than {@code minimumCalls} calls. */
  float failureRate(int minimumCalls) {
    return calls < minimumCalls || calls == 0 ? -1f : failures * 100f / calls;
  }

  /** Returns the slow-call rate in percent, or -1 if fewer than {@code minimumCalls} calls. */
  float slowCallRate(int minimumCalls) {
    return calls < minimumCalls || calls == 0 ? -1f : slow * 100f / calls;
  }
}
