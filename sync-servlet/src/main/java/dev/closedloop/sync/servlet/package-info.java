/**
 * Jakarta Servlet 6 adapters. {@link dev.closedloop.sync.servlet.RealtimeSseServlet} streams a
 * {@link dev.closedloop.sync.realtime.RealtimeBus} to browsers and Java clients as Server-Sent
 * Events, with replay on reconnect. No container classes are used: it runs on Jetty 12, Tomcat
 * 10.1+ or any Servlet 6 container.
 */
@NullMarked
package dev.closedloop.sync.servlet;

import org.jspecify.annotations.NullMarked;
