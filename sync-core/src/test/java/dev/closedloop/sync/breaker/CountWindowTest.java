package dev.closedloop.sync.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The count window's ring: exact contents, in order, across drains. */
class CountWindowTest {
  private final long[] rows = Stripes.newRows();

  private void successes(int n) {
    Stripes.add(rows, Stripes.FAST_SUCCESSES, n);
  }

  @Test
  void successesCountedBeforeTheWindowWasMadeAreNotInIt() {
    successes(7);
    CountWindow w = new CountWindow(5, rows);
    assertThat(w.counts(0)).isEqualTo(WindowCounts.EMPTY);
    successes(2);
    assertThat(w.counts(0)).isEqualTo(new WindowCounts(2, 0, 0));
  }

  @Test
  void theRingHoldsTheLastNResultsInOrder() {
    CountWindow w = new CountWindow(5, rows);
    successes(3);
    assertThat(w.record(Window.SUCCESS | Window.FAILED, 0)).isEqualTo(new WindowCounts(4, 1, 0));
    assertThat(w.record(Window.SUCCESS | Window.FAILED | Window.SLOW, 0))
        .isEqualTo(new WindowCounts(5, 2, 1)); // S S S F F(slow)
    successes(3);
    assertThat(w.counts(0)).isEqualTo(new WindowCounts(5, 2, 1)); // F F(slow) S S S
    successes(1);
    assertThat(w.counts(0)).isEqualTo(new WindowCounts(5, 1, 1)); // F(slow) S S S S
    assertThat(w.record(Window.SUCCESS | Window.SLOW, 0))
        .isEqualTo(new WindowCounts(5, 0, 1)); // S S S S S(slow)
  }

  @Test
  void aRunLongerThanTheWindowReplacesItWhole() {
    CountWindow w = new CountWindow(3, rows);
    w.record(Window.SUCCESS | Window.FAILED, 0);
    w.record(Window.SUCCESS | Window.FAILED, 0);
    successes(1_000);
    assertThat(w.record(Window.SUCCESS | Window.FAILED, 0)).isEqualTo(new WindowCounts(3, 1, 0));
  }

  @Test
  void stripeCountIsAPowerOfTwoBetweenEightAndSixtyFour() {
    assertThat(Stripes.count(1)).isEqualTo(8);
    assertThat(Stripes.count(2)).isEqualTo(8);
    assertThat(Stripes.count(3)).isEqualTo(16);
    assertThat(Stripes.count(16)).isEqualTo(64);
    assertThat(Stripes.count(1000)).isEqualTo(64);
  }
}
