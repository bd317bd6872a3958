/**
 * Spring Boot auto-configuration for Closed Loop Sync: {@link
 * dev.closedloop.sync.spring.boot.IdempotencyAutoConfiguration} (store, filter, plain-Java {@code
 * Idempotency}, meters) and {@link dev.closedloop.sync.spring.boot.RealtimeAutoConfiguration} (bus,
 * SSE servlet, meters), set with {@code closedloop.*} properties. Every bean backs off when the
 * application defines its own of the same type.
 *
 * <p>Written against the API that Spring Boot 4.0 and 3.5 share, and tested on both.
 */
@NullMarked
package dev.closedloop.sync.spring.boot;

import org.jspecify.annotations.NullMarked;
