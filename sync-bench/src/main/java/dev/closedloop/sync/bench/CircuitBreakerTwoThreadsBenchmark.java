package dev.closedloop.sync.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link CircuitBreakerBenchmark} on two threads sharing each breaker: what a call costs when
 * another thread calls the same breaker at the same time.
 *
 * <p>This class is not threadsafe; JMH gives each thread what it needs.
 */
@Threads(2)
public class CircuitBreakerTwoThreadsBenchmark extends CircuitBreakerBenchmark {}
