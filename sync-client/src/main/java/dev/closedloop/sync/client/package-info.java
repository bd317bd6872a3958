/**
 * The client side over {@code java.net.http}. {@link dev.closedloop.sync.client.RealtimeClient}
 * subscribes to a {@code RealtimeSseServlet} stream: it resumes with {@code Last-Event-ID},
 * reconnects with backoff and jitter, handles {@code reset}, and keeps a latest-state cache.
 */
@NullMarked
package dev.closedloop.sync.client;

import org.jspecify.annotations.NullMarked;
