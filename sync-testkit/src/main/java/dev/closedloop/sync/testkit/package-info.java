/**
 * Compatibility kits: abstract JUnit 5 classes that every implementation of a Closed Loop Sync
 * SPI extends, so the in-memory, file, Redis and PostgreSQL implementations all pass the same
 * cases (as Micrometer's {@code MeterRegistryCompatibilityKit} does for registries); and {@link
 * dev.closedloop.sync.testkit.StoreThroughput}, the harness that measures any store's claims per
 * second from N threads, for hand-run throughput programs (never for assertions); and {@link
 * dev.closedloop.sync.testkit.LocalRedisCluster}, a Redis Cluster of a test's own started from the
 * machine's {@code redis-server} on loopback ports.
 */
@NullMarked
package dev.closedloop.sync.testkit;

import org.jspecify.annotations.NullMarked;
