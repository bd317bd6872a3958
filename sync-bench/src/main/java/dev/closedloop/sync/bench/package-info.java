/**
 * JMH benchmarks of Closed Loop Sync side by side with Resilience4j, Failsafe and Tape, the
 * in-process fakes they need, and {@link dev.closedloop.sync.bench.BenchmarkSuite}, which runs
 * them all with one command and writes JSON and Markdown. Not published.
 */
@NullMarked
package dev.closedloop.sync.bench;

import org.jspecify.annotations.NullMarked;
