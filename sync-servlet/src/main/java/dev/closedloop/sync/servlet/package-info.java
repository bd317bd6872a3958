/**
 * Jakarta Servlet 6 adapters. {@link dev.closedloop.sync.servlet.IdempotencyFilter} applies each
 * request carrying an idempotency key exactly once and replays its response to retries. The
 * module compiles against the servlet API only (provided by the container); nothing here needs
 * Jetty or any other container.
 */
@NullMarked
package dev.closedloop.sync.servlet;

import org.jspecify.annotations.NullMarked;
