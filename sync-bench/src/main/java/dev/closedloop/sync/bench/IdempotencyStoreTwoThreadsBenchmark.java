package dev.closedloop.sync.bench;

import org.openjdk.jmh.annotations.Threads;

/**
 * {@link IdempotencyStoreBenchmark} on two threads sharing the store; the score is the total
 * throughput of both.
 *
 * <p>This class is not threadsafe; JMH gives each thread what it needs.
 */
@Threads(2)
public class IdempotencyStoreTwoThreadsBenchmark extends IdempotencyStoreBenchmark {}
