package dev.closedloop.sync.servlet;

import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.realtime.Subscription;
import dev.closedloop.sync.realtime.Topics;
import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a {@link RealtimeBus} as Server-Sent Events, with replay on reconnect. Register the
 * instance the builder returns:
 *
 * <pre>{@code
 * RealtimeSseServlet sse = RealtimeSseServlet.builder(bus).authorizer(myAuthorizer).build();
 * context.addServlet(new ServletHolder(sse), "/realtime");       // Jetty 12 ee10
 * // browser: new EventSource("/realtime?topics=bookings,sms")
 * }</pre>
 *
 * <h2>Request</h2>
 *
 * {@code GET ?topics=a,b} (one or more {@code topics} parameters, comma-separated, each a valid
 * topic name), optionally resuming with the {@code Last-Event-ID} header or, for clients that
 * cannot set headers, the {@code lastEventId} query parameter (the header wins). Answers that are
 * not a stream are {@code application/problem+json} (RFC 9457) with a stable {@code type}:
 * {@code missing-topics}, {@code too-many-topics}, {@code malformed-topic}, {@code
 * malformed-last-event-id} (400), {@code topic-denied} (403), {@code unavailable} (503).
 *
 * <h2>Stream</h2>
 *
 * {@code 200}, {@code Content-Type: text/event-stream;charset=utf-8} (written as UTF-8 bytes;
 * never through a {@code Writer}, which would let a container label it ISO-8859-1, and browsers
 * drop such a stream), {@code Cache-Control: no-cache}, {@code X-Accel-Buffering: no}, no
 * content encoding. Frames:
 *
 * <pre>
 * retry: 3000
 * id: bookings:40,sms:7
 * event: subscribed
 * data: {"cursor":"bookings:40,sms:7"}
 *
 * id: bookings:41,sms:7
 * event: update
 * data: {"topic":"bookings","type":"UPDATE","position":41,...}
 *
 * id: bookings:58,sms:7
 * event: reset
 * data: {"topic":"bookings","position":58,"reason":"..."}
 *
 * : keep-alive
 * </pre>
 *
 * <ul>
 *   <li>{@code id:} is a {@link Cursor}: one position per topic of the stream, opaque to
 *       clients, which send the last one back as {@code Last-Event-ID}. The first frame, {@code
 *       subscribed}, carries the start cursor: a client may load a snapshot as of it.
 *   <li>Change events are named {@code insert}, {@code update}, {@code delete} or {@code
 *       broadcast}; {@code data:} is the one-line JSON of {@link
 *       dev.closedloop.sync.realtime.spi.ChangeEventJson}.
 *   <li>{@code reset}: the cursor's position in that topic is older than the replay log (or
 *       ahead of it); the client must refetch the topic's state. The stream then continues live.
 *   <li>A {@code : keep-alive} comment goes to a stream only after it was idle for the heartbeat
 *       interval (default 15 s); one shared sweep on the {@link Scheduler} serves every stream,
 *       and only while streams are open. A write to a dead connection fails and ends it.
 * </ul>
 *
 * <h2>Flow control</h2>
 *
 * Writes are non-blocking ({@code startAsync} and a {@code WriteListener}); the bus's delivery
 * thread only appends to a per-stream buffer. A stream whose unwritten bytes pass {@code
 * maxBufferedBytes} (default 1 MiB) is cut off, as is one whose bus queue overflows; the client
 * reconnects with {@code Last-Event-ID} and resumes from its last event. Keep the bound above
 * the largest replay a client should receive in one go: a client cut off mid-replay still makes
 * progress, one connection at a time. Each stream is cleaned up exactly once, however it ends
 * (client gone, cut off, bus closed, {@link #disconnectAll()}, {@link #destroy()}).
 *
 * <h2>Many streams</h2>
 *
 * An event's frame is encoded once for all streams that receive it; streams that hear one topic
 * share the very same bytes. Frames are written with {@code write(ByteBuffer)} where the
 * container's stream has it (Jetty 12 does), so the container keeps no output buffer per stream;
 * an idle stream costs about 6.5 KB of heap on Jetty 12, most of it Jetty's (see
 * {@code BENCHMARKS.md}). Each stream holds a socket: raise the server's open-file limit.
 *
 * <p>This class is threadsafe.
 */
public final class RealtimeSseServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(RealtimeSseServlet.class);
  static final String CONTENT_TYPE = "text/event-stream;charset=utf-8";

  private final transient RealtimeBus bus;
  private final transient TopicAuthorizer authorizer;
  private final transient Scheduler scheduler;
  private final transient Ticker ticker;
  private final long heartbeatNanos;
  private final long maxBufferedBytes;
  private final long retryMillis;
  private final int maxTopics;

  private final transient Set<SseConnection> connections = ConcurrentHashMap.newKeySet();
  private final transient SseFrames.Cache frames = new SseFrames.Cache();
  private final transient AtomicLong ids = new AtomicLong();
  private final transient AtomicBoolean sweepArmed = new AtomicBoolean();
  private transient volatile @Nullable Cancellable sweepTask;
  private final transient AtomicBoolean destroyed = new AtomicBoolean();
  private final transient LongAdder opened = new LongAdder();
  private final transient LongAdder closedCount = new LongAdder();
  private final transient LongAdder sent = new LongAdder();
  private final transient LongAdder resets = new LongAdder();
  private final transient LongAdder cutOffs = new LongAdder();
  private final transient LongAdder heartbeats = new LongAdder();
  private final transient LongAdder rejected = new LongAdder();

  RealtimeSseServlet(RealtimeSseServletBuilder b) {
    this.bus = b.bus;
    this.authorizer = b.authorizer;
    this.scheduler = b.scheduler;
    this.ticker = b.ticker;
    this.heartbeatNanos = b.heartbeat.toNanos();
    this.maxBufferedBytes = b.maxBufferedBytes;
    this.retryMillis = b.retry.toMillis();
    this.maxTopics = b.maxTopics;
  }

  /**
   * Returns a builder for a servlet that streams {@code bus}.
   *
   * @throws NullPointerException if {@code bus} is null
   */
  public static RealtimeSseServletBuilder builder(RealtimeBus bus) {
    return new RealtimeSseServletBuilder(bus);
  }

  // ---- request ------------------------------------------------------------------------------

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    if (destroyed.get()) {
      reject(resp, 503, "unavailable", "Realtime stream unavailable", "the SSE servlet is shut down");
      return;
    }
    Set<String> topics = new LinkedHashSet<>();
    // The query is read here rather than through getParameterValues: a container keeps the
    // parsed parameter map for as long as the request lives, and an SSE request lives as long as
    // its stream (about 300 bytes per stream in Jetty 12).
    String query = req.getQueryString();
    List<String> params;
    try {
      params = SseQuery.values(query, "topics");
    } catch (IllegalArgumentException badEscape) {
      reject(resp, 400, "malformed-topic", "Malformed topic", "the topics parameter is not URL-encoded correctly");
      return;
    }
    for (String param : params) {
      for (String t : param.split(",", -1)) {
        if (!Topics.isValid(t)) {
          reject(resp, 400, "malformed-topic", "Malformed topic",
              "'" + SseQuery.printable(t) + "' is not a topic: a topic is 1 to 128 characters of [A-Za-z0-9._-] "
                  + "starting with a letter or digit; separate topics with commas");
          return;
        }
        topics.add(t);
      }
    }
    if (topics.isEmpty()) {
      reject(resp, 400, "missing-topics", "No topics",
          "name the topics to hear in the 'topics' query parameter, e.g. ?topics=bookings,sms");
      return;
    }
    if (topics.size() > maxTopics) {
      reject(resp, 400, "too-many-topics", "Too many topics",
          topics.size() + " topics requested; at most " + maxTopics + " per stream");
      return;
    }
    Cursor after;
    try {
      after = SseQuery.lastEventId(req, query).retain(topics);
    } catch (IllegalArgumentException e) {
      reject(resp, 400, "malformed-last-event-id", "Malformed Last-Event-ID", e.getMessage());
      return;
    }
    // ALLOW_ALL asks nothing of the principal; looking it up may make the container keep more
    Principal principal = authorizer == TopicAuthorizer.ALLOW_ALL ? null : req.getUserPrincipal();
    List<String> denied = new ArrayList<>();
    for (String t : topics) {
      if (!authorizer.mayHear(principal, t)) {
        denied.add(t);
      }
    }
    if (!denied.isEmpty()) {
      reject(resp, 403, "topic-denied", "Topic denied",
          "you may not hear " + String.join(", ", denied));
      return;
    }

    SseConnection conn = new SseConnection(ids.incrementAndGet(), topics, this);
    Subscription sub;
    try {
      sub = bus.subscribe(topics, after, conn);
    } catch (IllegalStateException busClosed) {
      reject(resp, 503, "unavailable", "Realtime stream unavailable", "the realtime bus is closed");
      return;
    }
    conn.subscribed(sub);
    resp.setStatus(200);
    resp.setHeader("Content-Type", CONTENT_TYPE);
    resp.setHeader("Cache-Control", "no-cache");
    resp.setHeader("X-Accel-Buffering", "no");
    AsyncContext ac = req.startAsync();
    ac.setTimeout(0);
    ac.addListener(conn);
    ServletOutputStream out = resp.getOutputStream();
    connections.add(conn);
    opened.increment();
    armSweep();
    conn.attach(ac, out);
    out.setWriteListener(conn);
    if (destroyed.get()) {
      conn.close(SseConnection.End.SHUTDOWN); // destroy() raced this request
    }
  }

  private void reject(HttpServletResponse resp, int status, String slug, String title, String detail)
      throws IOException {
    rejected.increment();
    SseProblem.write(resp, status, slug, title, detail);
  }

  // ---- heartbeat sweep ------------------------------------------------------------------------

  private void armSweep() {
    if (sweepArmed.compareAndSet(false, true)) {
      scheduleSweep();
    }
  }

  private void scheduleSweep() {
    try {
      sweepTask = scheduler.schedule(this::sweep, Math.max(1, heartbeatNanos / 2));
    } catch (RuntimeException rejectedBySchduler) {
      sweepArmed.set(false);
      log.warn("SSE heartbeat could not be scheduled", rejectedBySchduler);
    }
  }

  /** Sends a heartbeat to every stream idle for the interval; re-arms while streams are open. */
  void sweep() {
    long now = ticker.read();
    for (SseConnection c : connections) {
      if (c.idleNanos(now) >= heartbeatNanos) {
        c.heartbeat();
      }
    }
    if (connections.isEmpty() || destroyed.get()) {
      sweepArmed.set(false);
      // A stream that registered after the check above armed nothing (we were still armed).
      if (!connections.isEmpty() && !destroyed.get() && sweepArmed.compareAndSet(false, true)) {
        scheduleSweep();
      }
      return;
    }
    scheduleSweep();
  }

  // ---- called by connections ------------------------------------------------------------------

  long now() {
    return ticker.read();
  }

  SseFrames.Cache frames() {
    return frames;
  }

  long maxBufferedBytes() {
    return maxBufferedBytes;
  }

  long retryMillis() {
    return retryMillis;
  }

  void countSent(int events) {
    if (events > 0) {
      sent.add(events);
    }
  }

  void countReset() {
    resets.increment();
  }

  void countHeartbeat() {
    heartbeats.increment();
  }

  void connectionClosed(SseConnection c, SseConnection.End why) {
    connections.remove(c);
    closedCount.increment();
    if (why == SseConnection.End.SLOW_CLIENT) {
      cutOffs.increment();
    }
  }

  // ---- operations ---------------------------------------------------------------------------

  /** Returns the counters now. */
  public RealtimeSseStats stats() {
    return new RealtimeSseStats(
        connections.size(),
        opened.sum(),
        closedCount.sum(),
        sent.sum(),
        resets.sum(),
        cutOffs.sum(),
        heartbeats.sum(),
        rejected.sum());
  }

  /**
   * Ends every open stream (their clients reconnect and resume with {@code Last-Event-ID}), for
   * example before a node is drained.
   *
   * @return the number of streams ended
   */
  public int disconnectAll() {
    int n = 0;
    for (SseConnection c : connections) {
      if (!c.isClosed()) {
        c.close(SseConnection.End.DISCONNECTED);
        n++;
      }
    }
    return n;
  }

  /** Ends every stream, stops the heartbeat, and answers later requests with 503. */
  @Override
  public void destroy() {
    destroyed.set(true);
    Cancellable t = sweepTask;
    if (t != null) {
      t.cancel();
    }
    for (SseConnection c : connections) {
      c.close(SseConnection.End.SHUTDOWN);
    }
    super.destroy();
  }

  @Override
  public String toString() {
    return "RealtimeSseServlet[" + connections.size() + " streams]";
  }
}
