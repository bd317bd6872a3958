package dev.closedloop.sync.client;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

/**
 * Injects faults in front of the idempotency filter, per key and attempt (as this filter counts
 * requests with the same {@code Idempotency-Key}):
 *
 * <ul>
 *   <li>{@link Fault#DROP_AFTER}: runs the chain (the request is applied and its response stored),
 *       buffers the response, then aborts the connection: the client sees no answer;
 *   <li>{@link Fault#UNAVAILABLE_0} / {@link Fault#UNAVAILABLE_1}: 503 with {@code Retry-After: 0}
 *       or {@code 1}, nothing runs;
 *   <li>{@link Fault#HOLD_BEFORE}: holds the request until the client's next attempt with the same
 *       key arrives (so it is certainly past the client's attempt timeout), then runs it;
 *   <li>{@link Fault#HOLD_AFTER}: runs it, then holds its response until the next attempt arrives.
 * </ul>
 *
 * No sleeps: a hold ends when the next attempt arrives (or after a 10 s safety bound).
 */
final class FaultFilter implements Filter {
  enum Fault {
    NONE, DROP_AFTER, UNAVAILABLE_0, UNAVAILABLE_1, HOLD_BEFORE, HOLD_AFTER
  }

  volatile BiFunction<String, Integer, Fault> plan = (key, attempt) -> Fault.NONE;
  final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
  final Map<Fault, AtomicInteger> injected = new ConcurrentHashMap<>();
  final AtomicInteger dropped = new AtomicInteger();
  private final Map<String, CountDownLatch> nextArrived = new ConcurrentHashMap<>();
  private final CountDownLatch closing = new CountDownLatch(1);

  static String keyOf(HttpServletRequest req) {
    String h = req.getHeader("Idempotency-Key");
    if (h == null) {
      return null;
    }
    return h.length() >= 2 && h.startsWith("\"") && h.endsWith("\"") ? h.substring(1, h.length() - 1) : h;
  }

  /** A latch counted down when attempt {@code attempt + 1} of {@code key} arrives. */
  CountDownLatch latch(String key, int attempt) {
    return nextArrived.computeIfAbsent(key + "#" + attempt, k -> new CountDownLatch(1));
  }

  void releaseAll() {
    closing.countDown();
    nextArrived.values().forEach(CountDownLatch::countDown);
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest req = (HttpServletRequest) request;
    HttpServletResponse resp = (HttpServletResponse) response;
    String key = keyOf(req);
    if (key == null) {
      chain.doFilter(request, response);
      return;
    }
    int attempt = attempts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    if (attempt > 1) {
      latch(key, attempt - 1).countDown();
    }
    Fault fault = plan.apply(key, attempt);
    injected.computeIfAbsent(fault, f -> new AtomicInteger()).incrementAndGet();
    switch (fault) {
      case UNAVAILABLE_0:
      case UNAVAILABLE_1:
        resp.setStatus(503);
        resp.setHeader("Retry-After", fault == Fault.UNAVAILABLE_0 ? "0" : "1");
        return;
      case HOLD_BEFORE:
        await(latch(key, attempt));
        chain.doFilter(request, response);
        return;
      case HOLD_AFTER: {
        Buffered b = new Buffered(resp);
        chain.doFilter(request, b);
        await(latch(key, attempt));
        b.sendTo(resp);
        return;
      }
      case DROP_AFTER: {
        Buffered b = new Buffered(resp);
        chain.doFilter(request, b);
        // close the TCP connection under the request: the client gets no answer (an abort()
        // would let Jetty send a 500 first, as the response is not committed yet)
        ServletContextRequest.getServletContextRequest(request).getServletChannel().getEndPoint().close();
        dropped.incrementAndGet();
        return;
      }
      default:
        chain.doFilter(request, response);
    }
  }

  private void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Keeps the body back; status and headers go to the real (uncommitted) response. */
  static final class Buffered extends HttpServletResponseWrapper {
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final ServletOutputStream out = new ServletOutputStream() {
      @Override
      public boolean isReady() {
        return true;
      }

      @Override
      public void setWriteListener(WriteListener listener) {
        throw new UnsupportedOperationException("the fault filter buffers blocking writes only");
      }

      @Override
      public void write(int b) {
        body.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        body.write(b, off, len);
      }
    };
    private PrintWriter writer;

    Buffered(HttpServletResponse response) {
      super(response);
    }

    @Override
    public ServletOutputStream getOutputStream() {
      return out;
    }

    @Override
    public PrintWriter getWriter() {
      if (writer == null) {
        writer = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8));
      }
      return writer;
    }

    @Override
    public void flushBuffer() {}

    @Override
    public boolean isCommitted() {
      return false;
    }

    void sendTo(HttpServletResponse resp) throws IOException {
      if (writer != null) {
        writer.flush();
      }
      resp.getOutputStream().write(body.toByteArray());
    }
  }
}
