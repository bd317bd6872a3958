package dev.closedloop.sync.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RandomSourceTest {

  @Test
  void seededSourcesWithTheSameSeedDrawTheSameSequence() {
    RandomSource a = RandomSource.seeded(7);
    RandomSource b = RandomSource.seeded(7);
    RandomSource c = RandomSource.seeded(8);
    double[] first = new double[100];
    boolean differs = false;
    for (int i = 0; i < 100; i++) {
      first[i] = a.nextDouble();
      assertThat(b.nextDouble()).isEqualTo(first[i]);
      differs |= c.nextDouble() != first[i];
      assertThat(first[i]).isGreaterThanOrEqualTo(0.0).isLessThan(1.0);
    }
    assertThat(differs).isTrue();
    assertThat(RandomSource.seeded(7).nextLong()).isEqualTo(RandomSource.seeded(7).nextLong());
  }

  @Test
  void fixedYieldsItsDrawsInOrderThenRepeatsTheLast() {
    RandomSource r = RandomSource.fixed(0, 0.5, RandomSource.MAX_DRAW);

    assertThat(r.nextDouble()).isZero();
    assertThat(r.nextDouble()).isEqualTo(0.5);
    assertThat(r.nextDouble()).isEqualTo(RandomSource.MAX_DRAW);
    assertThat(r.nextDouble()).isEqualTo(RandomSource.MAX_DRAW);
  }

  @Test
  void fixedCopiesItsDraws() {
    double[] draws = {0.25};
    RandomSource r = RandomSource.fixed(draws);
    draws[0] = 0.75;
    assertThat(r.nextDouble()).isEqualTo(0.25);
  }

  @ParameterizedTest
  @ValueSource(doubles = {1.0, -0.01, Double.NaN, Double.POSITIVE_INFINITY})
  void fixedRejectsDrawsOutsideTheUnitInterval(double bad) {
    assertThatThrownBy(() -> RandomSource.fixed(0.5, bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("draws must be in [0, 1): " + bad);
  }

  @Test
  void fixedNeedsAtLeastOneDraw() {
    assertThatThrownBy(RandomSource::fixed)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("at least one draw is required");
  }

  @Test
  void maxDrawIsTheLargestDoubleBelowOne() {
    assertThat(RandomSource.MAX_DRAW).isLessThan(1.0);
    assertThat(Math.nextUp(RandomSource.MAX_DRAW)).isEqualTo(1.0);
  }

  @Test
  void systemSourceDrawsInTheUnitInterval() {
    for (int i = 0; i < 1000; i++) {
      assertThat(RandomSource.system().nextDouble()).isGreaterThanOrEqualTo(0.0).isLessThan(1.0);
    }
  }
}
