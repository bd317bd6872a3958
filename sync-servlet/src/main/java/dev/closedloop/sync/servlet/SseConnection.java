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
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * {@link #closed} is set once by CAS; only that caller runs the cleanup. The counters are plain
 * fields updated through {@link VarHandle}s rather than atomic objects: ten thousand idle streams
 * are ten thousand of these, so every object saved counts.
 *
 * <p>Sharing: the frame of an event is encoded once for all streams ({@link SseFrames.Cache}); a
 * stream that hears one topic queues the shared array itself and takes the shared cursor, a
 * stream over several topics queues its own id line and the shared rest of the frame. Nothing
 * is copied per stream.
 *
 * <p>Writes go through {@code write(ByteBuffer)} where the output stream has it (Servlet 6.1's
 * method, which Jetty 12's ee10 stream already offers): it sends the bytes as they are, while
 * {@code write(byte[])} copies them into the response's aggregation buffer, which Jetty takes
 * from its pool at the first write (32 KB, direct by default) and keeps until the response
 * ends, that is for the stream's whole life: 50,000 idle streams would hold 1.6 GB outside the
 * heap, and with {@code -Xmx512m} (the default direct limit is the heap size) the 16,384th
 * stream already fails. Other containers get {@code write(byte[])} and a flush: Tomcat 11 has
 * {@code write(ByteBuffer)} too, but it copies into the response buffer like {@code
 * write(byte[])} and sends nothing until a flush, so a stream on Tomcat (Spring Boot's default
 * server) written that way never reached its client.
 */
final class SseConnection implements RealtimeListener, WriteListener, AsyncListener {
  private static final Logger log = LoggerFactory.getLogger(RealtimeSseServlet.class);
  /** {@code write(ByteBuffer)} of a Jetty output stream class, if it has a public one. */
  private static final ClassValue<Optional<MethodHandle>> BUFFER_WRITE = new ClassValue<>() {
    @Override
    protected Optional<MethodHandle> computeValue(Class<?> type) {
      if (!type.getName().startsWith("org.eclipse.jetty.")) {
        return Optional.empty(); // elsewhere write(ByteBuffer) buffers: write(byte[]) and flush
      }
      MethodType write = MethodType.methodType(void.class, ByteBuffer.class);
      try {
        return Optional.of(MethodHandles.publicLookup().findVirtual(type, "write", write)
            .asType(MethodType.methodType(void.class, ServletOutputStream.class, ByteBuffer.class)));
      } catch (NoSuchMethodException | IllegalAccessException absent) {
        return Optional.empty();
      }
    }
  };
  private static final VarHandle PENDING_BYTES;
  private static final VarHandle WIP;
  private static final VarHandle CLOSED;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      PENDING_BYTES = l.findVarHandle(SseConnection.class, "pendingBytes", long.class);
      WIP = l.findVarHandle(SseConnection.class, "wip", int.class);
      CLOSED = l.findVarHandle(SseConnection.class, "closed", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  enum End { CLIENT_GONE, SLOW_CLIENT, BUS_CLOSED, SHUTDOWN, DISCONNECTED, COMPLETED }

  /**
   * A queued frame: {@code head} (a stream's own id line, or null) then {@code body} from {@code
   * offset}; {@code events} is 1 for a change event, 0 otherwise.
   */
  private record Frame(byte @Nullable [] head, byte[] body, int offset, int events) {
    Frame(byte[] body) {
      this(null, body, 0, 0);
    }

    long size() {
      return (head == null ? 0 : head.length) + body.length - offset;
    }
  }

  private final long id;
  private final Set<String> topics;
  private final boolean singleTopic;
  private final RealtimeSseServlet servlet;
  private final ConcurrentLinkedQueue<Frame> pending = new ConcurrentLinkedQueue<>();
  private volatile long pendingBytes; // through PENDING_BYTES
  private volatile int wip; // through WIP
  private volatile boolean closed; // through CLOSED
  private volatile @Nullable AsyncContext async;
  private volatile @Nullable ServletOutputStream out;
  private @Nullable MethodHandle bufferWrite; // written before out, read after it
  private volatile @Nullable Subscription subscription;
  private volatile boolean writable; // set by the first onWritePossible
  private volatile long lastEnqueueNanos;
  private boolean needsFlush; // owner of wip only
  private @Nullable Frame current; // owner of wip only: the frame whose head is written, not its body
  private Cursor cursor = Cursor.EMPTY; // delivery thread only

  SseConnection(long id, Set<String> topics, RealtimeSseServlet servlet) {
    this.id = id;
    this.topics = Set.copyOf(topics);
    this.singleTopic = this.topics.size() == 1;
    this.servlet = servlet;
    this.lastEnqueueNanos = servlet.now();
  }

  void subscribed(Subscription s) {
    subscription = s;
    if (closed) {
      s.close();
    }
  }

  /** Binds the started async request; the container calls onWritePossible next. */
  void attach(AsyncContext ac, ServletOutputStream stream) {
    this.async = ac;
    this.bufferWrite = BUFFER_WRITE.get(stream.getClass()).orElse(null);
    this.out = stream;
    if (closed) {
      completeQuietly(ac);
    }
  }

  boolean isClosed() {
    return closed;
  }

  long idleNanos(long now) {
    return now - lastEnqueueNanos;
  }

  // ---- RealtimeListener (bus delivery thread) -------------------------------------------------

  @Override
  public void onSubscribed(Cursor start) {
    cursor = start;
    enqueue(new Frame(SseFrames.subscribed(start, servlet.retryMillis())));
  }

  @Override
  public void onReset(String topic, long head, String reason) {
    cursor = cursor.with(topic, head);
    servlet.countReset();
    enqueue(new Frame(SseFrames.reset(cursor, topic, head, reason)));
  }

  @Override
  public void onEvent(ChangeEvent event) {
    SseFrames.Shared shared = servlet.frames().frame(event);
    if (singleTopic) {
      cursor = shared.cursor();
      enqueue(new Frame(null, shared.frame(), 0, 1));
    } else {
      cursor = cursor.with(event.topic(), event.position());
      enqueue(new Frame(SseFrames.idLine(cursor), shared.frame(), shared.tailOffset(), 1));
    }
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
    if (enqueue(new Frame(SseFrames.HEARTBEAT))) {
      servlet.countHeartbeat();
    }
  }

  private boolean enqueue(Frame frame) {
    if (closed) {
      return false;
    }
    lastEnqueueNanos = servlet.now();
    long size = frame.size();
    long behind = (long) PENDING_BYTES.getAndAdd(this, size) + size;
    if (behind > servlet.maxBufferedBytes()) {
      close(End.SLOW_CLIENT, behind + " bytes unwritten, over the bound of " + servlet.maxBufferedBytes());
      return false;
    }
    pending.add(frame);
    signal();
    return true;
  }

  private void signal() {
    if ((int) WIP.getAndAdd(this, 1) != 0) {
      return;
    }
    int missed = 1;
    do {
      drain();
      missed = (int) WIP.getAndAdd(this, -missed) - missed;
    } while (missed != 0);
  }

  /**
   * Writes while the container accepts writes without blocking: each frame as its head and then
   * its body (two writes; the stream may stop being ready between them, hence {@link #current}),
   * and, where writes were buffered by the container, one flush once nothing is left.
   */
  private void drain() {
    ServletOutputStream o = out;
    if (o == null || !writable) {
      return;
    }
    try {
      while (true) {
        if (closed) {
          pending.clear();
          current = null;
          return;
        }
        if (!o.isReady()) {
          return; // onWritePossible follows
        }
        Frame f = current;
        if (f != null) {
          current = null;
          writeBody(o, f);
          continue;
        }
        f = pending.poll();
        if (f == null) {
          if (needsFlush) {
            needsFlush = false;
            o.flush();
            continue;
          }
          return;
        }
        PENDING_BYTES.getAndAdd(this, -f.size());
        byte[] head = f.head();
        if (head != null) {
          write(o, head, 0, head.length);
          current = f;
        } else {
          writeBody(o, f);
        }
      }
    } catch (IOException | IllegalStateException e) {
      log.debug("SSE stream {} failed to write: {}", id, e.toString());
      close(End.CLIENT_GONE);
    }
  }

  private void writeBody(ServletOutputStream o, Frame f) throws IOException {
    servlet.countSent(f.events()); // before: the bytes may reach the client before write returns
    write(o, f.body(), f.offset(), f.body().length - f.offset());
  }

  private void write(ServletOutputStream o, byte[] bytes, int offset, int length) throws IOException {
    MethodHandle h = bufferWrite;
    if (h == null) {
      o.write(bytes, offset, length);
      needsFlush = true;
      return;
    }
    try {
      h.invokeExact(o, ByteBuffer.wrap(bytes, offset, length));
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException(t);
    }
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
    if (!CLOSED.compareAndSet(this, false, true)) {
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
    PENDING_BYTES.setVolatile(this, 0L);
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
    return "SseConnection[" + id + " " + topics + (closed ? ", closed" : "") + "]";
  }
}
