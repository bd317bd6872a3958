package dev.closedloop.sync.bench;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.HttpOutput;

/**
 * The ceiling for SSE fan-out on this server and machine: no bus, no cursor, no subscription.
 * Each stream is an async request with a {@link WriteListener}; {@link #publish()} formats one
 * frame (the same shape and about the same size as the library's) once, and {@code threads}
 * workers each append it to a slice of the streams and write it with the same non-blocking
 * drain the library uses (one {@code write(ByteBuffer)} per frame). What is left is Jetty's and
 * the kernel's cost per write.
 *
 * <p>This class is threadsafe.
 */
final class RawSseFanoutServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private final transient ExecutorService workers;
  private final int threads;
  private volatile long position; // written by the publishing thread only

  RawSseFanoutServlet(int threads) {
    this.threads = threads;
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "raw-fanout-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    resp.setStatus(200);
    resp.setHeader("Content-Type", "text/event-stream;charset=utf-8");
    resp.setHeader("Cache-Control", "no-cache");
    resp.setHeader("X-Accel-Buffering", "no");
    AsyncContext ac = req.startAsync();
    ac.setTimeout(0);
    ServletOutputStream out = resp.getOutputStream();
    Stream s = new Stream(ac, out);
    ac.addListener(s);
    streams.add(s);
    String cursor = SseLoadServer.TOPIC + ":" + position;
    s.enqueue(("retry: 3000\nid: " + cursor + "\nevent: subscribed\ndata: {\"cursor\":\"" + cursor + "\"}\n\n")
        .getBytes(StandardCharsets.UTF_8));
    out.setWriteListener(s);
  }

  /** Writes one new frame to every stream; returns its position. */
  long publish() {
    long p = ++position;
    byte[] frame = ("id: " + SseLoadServer.TOPIC + ":" + p + "\nevent: broadcast\ndata: {\"topic\":\""
        + SseLoadServer.TOPIC + "\",\"type\":\"BROADCAST\",\"position\":" + p + ",\"time\":\"" + Instant.now()
        + "\",\"new\":{\"n\":" + p + "}}\n\n").getBytes(StandardCharsets.UTF_8);
    Stream[] all = streams.toArray(new Stream[0]);
    int slice = (all.length + threads - 1) / threads;
    for (int w = 0; w < threads; w++) {
      int from = w * slice;
      int to = Math.min(all.length, from + slice);
      if (from >= to) {
        break;
      }
      workers.execute(() -> {
        for (int i = from; i < to; i++) {
          all[i].enqueue(frame);
        }
      });
    }
    return p;
  }

  int open() {
    return streams.size();
  }

  int disconnectAll() {
    int n = 0;
    for (Stream s : streams) {
      s.close();
      n++;
    }
    return n;
  }

  @Override
  public void destroy() {
    workers.shutdownNow();
    disconnectAll();
  }

  /** One stream: a queue of frames and the work-in-progress drain of {@code SseConnection}. */
  private final class Stream implements WriteListener, AsyncListener {
    private final AsyncContext async;
    private final ServletOutputStream out;
    private final ConcurrentLinkedQueue<byte[]> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean writable;

    Stream(AsyncContext async, ServletOutputStream out) {
      this.async = async;
      this.out = out;
    }

    void enqueue(byte[] frame) {
      if (!closed.get()) {
        pending.add(frame);
        signal();
      }
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
      if (!writable) {
        return;
      }
      try {
        while (!closed.get() && out.isReady()) {
          byte[] frame = pending.poll();
          if (frame == null) {
            return;
          }
          // as the library does: past Jetty's aggregation buffer, which a stream would keep
          ((HttpOutput) out).write(ByteBuffer.wrap(frame));
        }
      } catch (IOException | IllegalStateException e) {
        close();
      }
    }

    void close() {
      if (closed.compareAndSet(false, true)) {
        streams.remove(this);
        pending.clear();
        try {
          async.complete();
        } catch (IllegalStateException alreadyDone) {
          // completed by the container
        }
      }
    }

    @Override
    public void onWritePossible() {
      writable = true;
      signal();
    }

    @Override
    public void onError(Throwable t) {
      close();
    }

    @Override
    public void onComplete(AsyncEvent event) {
      close();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      close();
    }

    @Override
    public void onError(AsyncEvent event) {
      close();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {}
  }
}
