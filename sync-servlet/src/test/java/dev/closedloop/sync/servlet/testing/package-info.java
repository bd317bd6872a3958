/**
 * Test support shared through sync-servlet's test jar by every module that tests over HTTP: the
 * embedded Jetty server.
 */
package dev.closedloop.sync.servlet.testing;
