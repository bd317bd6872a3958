package dev.closedloop.sync.bench;

import dev.closedloop.sync.time.Ticker;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one read of the system {@link Ticker} costs on this machine: the price of every clock
 * read a hot path does not avoid (the breaker's permitted call reads none; a retried call with a
 * deadline reads one).
 *
 * <p>This class is threadsafe: it holds only the system ticker.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ClockReadBenchmark {
  private final Ticker ticker = Ticker.system();

  /** One read of {@code Ticker.system()}. */
  @Benchmark
  public long tickerRead() {
    return ticker.read();
  }
}
