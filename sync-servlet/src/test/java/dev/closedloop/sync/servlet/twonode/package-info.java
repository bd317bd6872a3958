/**
 * Test support shared through sync-servlet's test jar: an application node (embedded Jetty with
 * the idempotency filter and the SSE servlet over a given store and bus), an SSE stream reader,
 * and the two-node scenarios every shared backend passes, for the multi-node tests of sync-redis
 * and sync-jdbc.
 */
package dev.closedloop.sync.servlet.twonode;
