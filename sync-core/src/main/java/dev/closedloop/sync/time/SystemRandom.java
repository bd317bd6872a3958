package dev.closedloop.sync.time;

import java.util.concurrent.ThreadLocalRandom;

/** The system random source. */
enum SystemRandom implements RandomSource {
  INSTANCE;

  @Override
  public double nextDouble() {
    return ThreadLocalRandom.current().nextDouble();
  }

  @Override
  public long nextLong() {
    return ThreadLocalRandom.current().nextLong();
  }
}
