/**
 * The runnable demo of the closed loop: an embedded Jetty 12 application ({@link
 * dev.closedloop.sync.examples.DemoServer}) with the idempotency filter, the realtime SSE
 * servlet, three mutation endpoints (a booking confirmation, an SMS sent through a flaky gateway,
 * a bulk lead-status update), a fault injector and a web page. Its code is the source of every
 * snippet in {@code docs/guide.md} and the README. Not published.
 */
@NullMarked
package dev.closedloop.sync.examples;

import org.jspecify.annotations.NullMarked;
