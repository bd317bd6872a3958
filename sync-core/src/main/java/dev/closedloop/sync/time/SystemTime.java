package dev.closedloop.sync.time;

/** The one place in the library that reads the system's clocks. */
enum SystemTime implements Ticker, Clock {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }

  @Override
  public long millis() {
    return System.currentTimeMillis();
  }
}
