package dev.closedloop.sync.servlet;

import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Subscription;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SSE stream: the bus listener that turns events into frames, the bounded buffer of frames
 * not yet written, and the non-blocking writer that drains it.
 *
 * <p>Concurrency: frames are added by the bus's delivery thread (one at a time per subscription)
 * and by the heartbeat sweep. Writing is owned by whoever raises {@link #wip} from 0 (the
 * classic work-in-progress counter): the owner writes while {@code isReady()} holds and loops
 * while others signalled meanwhile, so at most one thread touches the output stream and no
 * signal is lost. When {@code isReady()} is false the owner leaves; the container then calls
 * {@link #onWritePossible()}, which signals again. No thread ever blocks on the socket.
 * {@link #closed} is set once by CAS; only that caller runs the cleanup.
 */
final class SseConnection implements RealtimeListener, WriteListener, AsyncListener {
  private static final Logger log = LoggerFactory.getLogger(RealtimeSseServlet.class);
  private static final int CHUNK = 16 * 1024;

  enum End { CLIENT_GONE, SLOW_CLIENT, BUS_CLOSED, SHUTDOWN, DISCONNECTED, COMPLETED }

  private record Frame(byte[] bytes, int events) {}

  private final long id;
  private final Set<String> topics;
  private final RealtimeSseServlet servlet;
  private final ConcurrentLinkedQueue<Frame> pending = new ConcurrentLinkedQueue<>();
  private final AtomicLong pendingBytes = new AtomicLong();
  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile @Nullable AsyncContext async;
  private volatile @Nullable ServletOutputStream out;
  private volatile @Nullable Subscription subscription;
  private volatile boolean writable; // set by the first onWritePossible
  private volatile long lastEnqueueNanos;
  private boolean needsFlush; // owner of wip only
  private Cursor cursor = Cursor.EMPTY; // delivery thread only

  SseConnection(long id, Set<String> topics, RealtimeSseServlet servlet) {
    this.id = id;
    this.topics = Set.copyOf(topics);
    this.servlet = servlet;
    this.lastEnqueueNanos = servlet.now();
  }

  void subscribed(Subscription s) {
    subscription = s;
    if (closed.get()) {
      s.close();
    }
  }

  /** Binds the started async request; the container calls onWritePossible next. */
  void attach(AsyncContext ac, ServletOutputStream stream) {
    this.async = ac;
    this.out = stream;
    if (closed.get()) {
      completeQuietly(ac);
    }
  }

  boolean isClosed() {
    return closed.get();
  }

  long idleNanos(long now) {
    return now - lastEnqueueNanos;
  }

  // ---- RealtimeListener (bus delivery thread) -------------------------------------------------

  @Override
  public void onSubscribed(Cursor start) {
    cursor = start;
    enqueue(SseFrames.subscribed(start, servlet.retryMillis()), 0);
  }

  @Override
  public void onReset(String topic, long head, String reason) {
    cursor = cursor.with(topic, head);
    servlet.countReset();
    enqueue(SseFrames.reset(cursor, topic, head, reason), 0);
  }

  @Override
  public void onEvent(ChangeEvent event) {
    cursor = cursor.with(event.topic(), event.position());
    enqueue(SseFrames.event(cursor, event), 1);
  }

  @Override
  public void onClosed(CloseReason reason) {
    switch (reason) {
      case UNSUBSCRIBED -> { } // we closed it
      case OVERFLOW -> close(End.SLOW_CLIENT, null); // the bus has logged its overflow
      case BUS_CLOSED, FAILED -> close(End.BUS_CLOSED);
    }
  }

  // ---- frames -------------------------------------------------------------------------------

  void heartbeat() {
    if (enqueue(SseFrames.HEARTBEAT, 0)) {
      servlet.countHeartbeat();
    }
  }

  private boolean enqueue(byte[] frame, int events) {
    if (closed.get()) {
      return false;
    }
    lastEnqueueNanos = servlet.now();
    long behind = pendingBytes.addAndGet(frame.length);
    if (behind > servlet.maxBufferedBytes()) {
      close(End.SLOW_CLIENT, behind + " bytes unwritten, over the bound of " + servlet.maxBufferedBytes());
      return false;
    }
    pending.add(new Frame(frame, events));
    signal();
    return true;
  }

  private void signal() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      drain();
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  private void drain() {
    ServletOutputStream o = out;
    if (o == null || !writable) {
      return;
    }
    try {
      while (true) {
        if (closed.get()) {
          pending.clear();
          return;
        }
        if (!o.isReady()) {
          return; // onWritePossible follows
        }
        Frame chunk = nextChunk();
        if (chunk == null) {
          if (needsFlush) {
            needsFlush = false;
            o.flush();
            continue;
          }
          return;
        }
        o.write(chunk.bytes());
        needsFlush = true;
        servlet.countSent(chunk.events());
      }
    } catch (IOException | IllegalStateException e) {
      log.debug("SSE stream {} failed to write: {}", id, e.toString());
      close(End.CLIENT_GONE);
    }
  }

  /** Takes frames up to {@link #CHUNK} bytes (at least one) as one array. */
  private @Nullable Frame nextChunk() {
    Frame first = pending.poll();
    if (first == null) {
      return null;
    }
    pendingBytes.addAndGet(-first.bytes().length);
    Frame next = pending.peek();
    if (next == null || first.bytes().length + next.bytes().length > CHUNK) {
      return first;
    }
    java.io.ByteArrayOutputStream merged = new java.io.ByteArrayOutputStream(CHUNK);
    merged.writeBytes(first.bytes());
    int events = first.events();
    while ((next = pending.peek()) != null && merged.size() + next.bytes().length <= CHUNK) {
      pending.poll();
      pendingBytes.addAndGet(-next.bytes().length);
      merged.writeBytes(next.bytes());
      events += next.events();
    }
    return new Frame(merged.toByteArray(), events);
  }

  // ---- WriteListener and AsyncListener (container threads) ------------------------------------

  @Override
  public void onWritePossible() {
    writable = true;
    signal();
  }

  @Override
  public void onError(Throwable t) {
    log.debug("SSE stream {} write error: {}", id, t.toString());
    close(End.CLIENT_GONE);
  }

  @Override
  public void onComplete(AsyncEvent event) {
    close(End.COMPLETED);
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    close(End.COMPLETED);
  }

  @Override
  public void onError(AsyncEvent event) {
    close(End.CLIENT_GONE);
  }

  @Override
  public void onStartAsync(AsyncEvent event) {}

  // ---- the one cleanup ------------------------------------------------------------------------

  /** Ends the stream; the first call cleans up (subscription, buffer, counters), later ones do nothing. */
  void close(End why) {
    close(why, null);
  }

  /**
   * Ends the stream like {@link #close(End)}; a cut-off with a {@code detail} logs the one WARN
   * of this loss (the client resumes with Last-Event-ID), only if this call ended the stream.
   */
  private void close(End why, @Nullable String detail) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (why == End.SLOW_CLIENT) {
      if (detail != null) {
        log.warn("SSE stream {} on {} cut off, the client reads too slowly ({}); it may resume with Last-Event-ID",
            id, topics, detail);
      } else {
        log.debug("SSE stream {} on {} cut off: its bus subscription overflowed", id, topics);
      }
    }
    servlet.connectionClosed(this, why);
    Subscription s = subscription;
    if (s != null) {
      s.close();
    }
    pending.clear();
    pendingBytes.set(0);
    AsyncContext ac = async;
    if (ac != null) {
      completeQuietly(ac);
    }
  }

  private static void completeQuietly(AsyncContext ac) {
    try {
      ac.complete();
    } catch (IllegalStateException alreadyDone) {
      // completed by the container after an error
    }
  }

  @Override
  public String toString() {
    return "SseConnection[" + id + " " + topics + (closed.get() ? ", closed" : "") + "]";
  }
}
