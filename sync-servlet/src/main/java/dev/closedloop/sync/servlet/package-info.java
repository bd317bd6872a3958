/**
 * Jakarta Servlet 6 adapters.
 *
 * <ul>
 *   <li>{@link dev.closedloop.sync.servlet.IdempotencyFilter} applies each request carrying an
 *       idempotency key exactly once and replays its response to retries.
 *   <li>{@link dev.closedloop.sync.servlet.RealtimeSseServlet} streams a {@link
 *       dev.closedloop.sync.realtime.RealtimeBus} to browsers and Java clients as Server-Sent
 *       Events, with replay on reconnect.
 * </ul>
 *
 * <p>The module compiles against the servlet API only (provided by the container); nothing here
 * needs Jetty or any other container: it runs on Jetty 12, Tomcat 10.1+ or any Servlet 6
 * container.
 */
@NullMarked
package dev.closedloop.sync.servlet;

import org.jspecify.annotations.NullMarked;
