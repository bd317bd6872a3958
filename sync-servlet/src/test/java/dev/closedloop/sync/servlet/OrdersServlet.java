package dev.closedloop.sync.servlet;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The application under the filter. Each path under /orders is a behaviour; every call is
 * counted per path, so a test can assert how often the effect ran.
 */
final class OrdersServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  static final int STREAM_BYTES = 5 * 1024 * 1024;

  final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  final AtomicInteger orderIds = new AtomicInteger();
  /** /orders/gated waits for this before answering. */
  volatile CountDownLatch gate = new CountDownLatch(0);
  /** Every other path waits for this (at most 10 s) before answering. */
  volatile CountDownLatch hold = new CountDownLatch(0);

  int calls(String path) {
    AtomicInteger n = calls.get(path);
    return n == null ? 0 : n.get();
  }

  int totalCalls() {
    return calls.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String path = req.getRequestURI();
    calls.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    String body = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (IdempotencyFilter.currentKey(req).isPresent()
        && !body.equals(new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8))) {
      throw new IllegalStateException("behind the filter the body must be re-readable");
    }
    String key = IdempotencyFilter.currentKey(req).map(IdempotencyKey::clientKey).orElse("none");
    String scope = IdempotencyFilter.currentKey(req).map(IdempotencyKey::scope).orElse("none");
    switch (path) {
      case "/orders/throw" -> throw new IllegalStateException("handler failed");
      case "/orders/status" -> {
        resp.setStatus(Integer.parseInt(req.getParameter("code")));
        resp.setContentType("application/json");
        resp.getOutputStream().write(("{\"call\":" + calls(path) + "}").getBytes(StandardCharsets.UTF_8));
      }
      case "/orders/stream" -> {
        resp.setStatus(201);
        resp.setContentType("application/octet-stream");
        resp.setContentLength(STREAM_BYTES);
        ServletOutputStream out = resp.getOutputStream();
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < chunk.length; i++) {
          chunk[i] = (byte) i;
        }
        for (int sent = 0; sent < STREAM_BYTES; sent += chunk.length) {
          out.write(chunk);
        }
      }
      case "/orders/async" -> {
        AsyncContext async = req.startAsync();
        async.start(() -> {
          try {
            HttpServletResponse r = (HttpServletResponse) async.getResponse();
            r.setStatus(202);
            r.setContentType("application/json");
            r.setHeader("Location", "/orders/async/" + orderIds.incrementAndGet());
            r.getOutputStream().write(("{\"async\":true,\"key\":\"" + key + "\"}").getBytes(StandardCharsets.UTF_8));
          } catch (IOException e) {
            throw new IllegalStateException(e);
          } finally {
            async.complete();
          }
        });
      }
      case "/orders/async-hang" -> {
        AsyncContext async = req.startAsync();
        async.setTimeout(100); // never completed: the container times it out
      }
      case "/orders/async-dispatch" -> {
        if (req.getDispatcherType() == jakarta.servlet.DispatcherType.REQUEST) {
          req.startAsync().dispatch();
        } else {
          resp.setStatus(201);
          resp.setContentType("text/plain;charset=utf-8");
          resp.getWriter().print("dispatched " + key + " " + orderIds.incrementAndGet());
        }
      }
      case "/orders/error" -> resp.sendError(404, "no such order");
      case "/orders/redirect" -> resp.sendRedirect("/orders/" + orderIds.incrementAndGet());
      case "/orders/writer" -> {
        resp.setContentType("text/plain;charset=utf-8");
        PrintWriter w = resp.getWriter();
        w.print("größe ✓ " + orderIds.incrementAndGet());
        resp.flushBuffer();
        w.print(" done");
      }
      case "/orders/form" -> {
        resp.setContentType("text/plain;charset=utf-8");
        resp.getWriter().print("a=" + req.getParameter("a") + ";b=" + req.getParameter("b")
            + ";q=" + req.getParameter("q"));
      }
      case "/orders/gated" -> {
        await(gate);
        created(resp, body, key, scope);
      }
      default -> {
        await(hold);
        created(resp, body, key, scope);
      }
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("latch never opened");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void created(HttpServletResponse resp, String body, String key, String scope) throws IOException {
    int id = orderIds.incrementAndGet();
    resp.setStatus(201);
    resp.setContentType("application/json");
    resp.setHeader("Location", "/orders/" + id);
    resp.setHeader("ETag", "\"v" + id + "\"");
    resp.addHeader("Link", "</orders>; rel=\"collection\"");
    resp.addHeader("Link", "</orders/" + id + "/items>; rel=\"items\"");
    resp.addHeader("Set-Cookie", "session=secret-" + id + "; HttpOnly");
    resp.setHeader("Authorization", "Bearer leaked-" + id);
    resp.setHeader("WWW-Authenticate", "Bearer realm=\"x\"");
    resp.setHeader("X-Request-Private", "p-" + id);
    byte[] json = ("{\"id\":" + id + ",\"key\":\"" + key + "\",\"scope\":\"" + scope + "\",\"echo\":" + body + "}")
        .getBytes(StandardCharsets.UTF_8);
    resp.setContentLength(json.length);
    resp.getOutputStream().write(json);
  }
}
