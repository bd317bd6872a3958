package dev.closedloop.sync.examples;

import dev.closedloop.sync.time.RandomSource;
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
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

/**
 * Makes the network as unreliable as a phone on a train, for mutations only (POST, PUT, PATCH,
 * DELETE): map it <em>outside</em> the idempotency filter, so that what it breaks is the path
 * between client and server, not the application. Off unless {@linkplain Builder#enabled
 * enabled}. Each mutation gets one {@link Fault}: the next {@linkplain #script scripted} one if
 * any, else one drawn from the {@link RandomSource} at the configured rates.
 *
 * <ul>
 *   <li>{@link Fault#DROP_AFTER_HANDLER}: the request runs to its end (the effect is applied and
 *       the response stored) into a buffer, then the connection is closed without a byte of the
 *       response. The client sees an {@code IOException} ("header parser received no bytes" from
 *       {@code java.net.http}, "Failed to fetch" in a browser), the classic lost answer that
 *       tempts a naive client to send the request again.
 *   <li>{@link Fault#CUT_RESPONSE}: the request runs to its end; the status, the headers and half
 *       the body are sent, then the connection is cut. {@code java.net.http} throws an {@code
 *       IOException}; a browser's {@code fetch} resolves and then fails to read the body.
 *   <li>{@link Fault#UNAVAILABLE}: answers 503 with {@code Retry-After} at once; nothing runs.
 *   <li>{@link Fault#DELAY}: waits, then runs the request normally.
 * </ul>
 *
 * <p>How the connection is dropped: on Jetty, by closing the request's endpoint (nothing is
 * written, nothing is logged). On another container, portably, by committing a {@code
 * Content-Length} one byte longer than what is then sent, which every container answers by
 * aborting the connection: the client then sees a truncated response, also an {@code
 * IOException}. A cut response is that portable way with half the real body. Throwing from the
 * filter would not do: the container would answer 500.
 *
 * <p>Browsers differ from {@code java.net.http} on a dropped answer: Chromium resends a request
 * by itself (a POST too) when a <em>reused</em> keep-alive connection closes before any byte of
 * the response, so the page may never see that attempt fail while the server ran it twice. The
 * idempotency key makes that resend harmless; {@link Fault#CUT_RESPONSE} is the fault the page's
 * own retry always sees.
 *
 * <p>This class is threadsafe.
 */
public final class FaultInjectionFilter implements Filter {
  /** What happens to one request. */
  public enum Fault {
    /** Nothing: the request passes. */
    NONE,
    /** The request waits for the configured delay, then passes. */
    DELAY,
    /** 503 with {@code Retry-After}; the request does not run. */
    UNAVAILABLE,
    /** The request runs, then its connection is closed before any of the response is sent. */
    DROP_AFTER_HANDLER,
    /** The request runs, then its response is cut off after the head and half the body. */
    CUT_RESPONSE
  }

  private static final Set<String> MUTATIONS = Set.of("POST", "PUT", "PATCH", "DELETE");

  private final double dropRate;
  private final double cutRate;
  private final double unavailableRate;
  private final double delayRate;
  private final Duration delay;
  private final Duration retryAfter;
  private final RandomSource random;
  private volatile boolean enabled;
  private final ConcurrentLinkedQueue<Fault> script = new ConcurrentLinkedQueue<>();
  private final Map<Fault, LongAdder> counts = new EnumMap<>(Fault.class);

  private FaultInjectionFilter(Builder b) {
    this.dropRate = b.dropRate;
    this.cutRate = b.cutRate;
    this.unavailableRate = b.unavailableRate;
    this.delayRate = b.delayRate;
    this.delay = b.delay;
    this.retryAfter = b.retryAfter;
    this.random = b.random;
    this.enabled = b.enabled;
    for (Fault f : Fault.values()) {
      counts.put(f, new LongAdder());
    }
  }

  /** Returns a builder: all rates 0, disabled, 200 ms delay, {@code Retry-After: 1}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Turns injection on or off; scripted faults apply only while on. */
  public void setEnabled(boolean on) {
    this.enabled = on;
  }

  /** Returns whether injection is on. */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Queues faults for the next mutations, in order, before any random ones: a test's way to say
   * "503 once, then drop the answer, then succeed".
   *
   * @throws NullPointerException if a fault is null
   */
  public void script(Fault... faults) {
    for (Fault f : faults) {
      script.add(Objects.requireNonNull(f, "fault cannot be null"));
    }
  }

  /** Returns how many mutations got each fault so far ({@link Fault#NONE} included). */
  public Map<Fault, Long> counts() {
    Map<Fault, Long> m = new EnumMap<>(Fault.class);
    counts.forEach((f, n) -> m.put(f, n.sum()));
    return m;
  }

  Fault next() {
    if (!enabled) {
      return Fault.NONE;
    }
    Fault scripted = script.poll();
    if (scripted != null) {
      return scripted;
    }
    double draw = random.nextDouble();
    if (draw < dropRate) {
      return Fault.DROP_AFTER_HANDLER;
    }
    if (draw < dropRate + cutRate) {
      return Fault.CUT_RESPONSE;
    }
    if (draw < dropRate + cutRate + unavailableRate) {
      return Fault.UNAVAILABLE;
    }
    if (draw < dropRate + cutRate + unavailableRate + delayRate) {
      return Fault.DELAY;
    }
    return Fault.NONE;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest req = (HttpServletRequest) request;
    HttpServletResponse resp = (HttpServletResponse) response;
    if (!MUTATIONS.contains(req.getMethod())) {
      chain.doFilter(request, response);
      return;
    }
    Fault fault = next();
    counts.get(fault).increment();
    switch (fault) {
      case UNAVAILABLE:
        byte[] body = ("{\"type\":\"" + DemoHttp.PROBLEM_BASE + "injected-unavailable\",\"title\":\"Service unavailable\","
            + "\"status\":503,\"detail\":\"fault injected: try again later\"}").getBytes(StandardCharsets.UTF_8);
        resp.setStatus(503);
        resp.setHeader("Retry-After", String.valueOf(Math.max(1, retryAfter.toSeconds())));
        resp.setContentType("application/problem+json");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
        return;
      case DELAY:
        try {
          TimeUnit.NANOSECONDS.sleep(delay.toNanos());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while delaying a request", e);
        }
        chain.doFilter(request, response);
        return;
      case DROP_AFTER_HANDLER:
        chain.doFilter(request, new Swallowed(resp)); // the effect is applied, the answer kept back
        drop(req, resp);
        return;
      case CUT_RESPONSE:
        Swallowed held = new Swallowed(resp);
        chain.doFilter(request, held);
        byte[] answer = held.body.toByteArray();
        resp.setContentLength(answer.length + 1); // the status and headers the handler set, and a promise
        resp.getOutputStream().write(answer, 0, answer.length / 2);
        resp.flushBuffer(); // committed, then the request ends short: the container cuts the connection
        return;
      default:
        chain.doFilter(request, response);
    }
  }

  private static void drop(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    ServletContextRequest jetty = ServletContextRequest.getServletContextRequest(req);
    if (jetty != null) {
      jetty.getConnectionMetaData().getConnection().getEndPoint().close();
      return;
    }
    resp.reset();
    resp.setStatus(200);
    resp.setContentLength(1);
    resp.flushBuffer(); // committed with one byte promised and none to come: the container aborts
  }

  /** A response that keeps the body the handler writes from the client, and never commits. */
  private static final class Swallowed extends HttpServletResponseWrapper {
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final ServletOutputStream sink = new ServletOutputStream() {
      @Override
      public boolean isReady() {
        return true;
      }

      @Override
      public void setWriteListener(WriteListener listener) {
        throw new IllegalStateException("the fault injector supports synchronous handlers only");
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

    Swallowed(HttpServletResponse response) {
      super(response);
    }

    @Override
    public ServletOutputStream getOutputStream() {
      return sink;
    }

    @Override
    public PrintWriter getWriter() {
      return new PrintWriter(new OutputStreamWriter(sink, StandardCharsets.UTF_8));
    }

    @Override
    public void flushBuffer() {}

    @Override
    public boolean isCommitted() {
      return false;
    }

    @Override
    public void sendError(int sc) {
      setStatus(sc);
    }

    @Override
    public void sendError(int sc, String msg) {
      setStatus(sc);
    }

    @Override
    public void sendRedirect(String location) {
      setStatus(302);
    }
  }

  /**
   * Configures a {@link FaultInjectionFilter}.
   *
   * <p>This class is not threadsafe.
   */
  public static final class Builder {
    private double dropRate;
    private double cutRate;
    private double unavailableRate;
    private double delayRate;
    private Duration delay = Duration.ofMillis(200);
    private Duration retryAfter = Duration.ofSeconds(1);
    private RandomSource random = RandomSource.system();
    private boolean enabled;

    private Builder() {}

    /**
     * Sets the share of mutations whose connection is dropped after the handler ran.
     *
     * @throws IllegalArgumentException if not in [0, 1]
     */
    public Builder dropRate(double rate) {
      this.dropRate = rate(rate, "dropRate");
      return this;
    }

    /**
     * Sets the share of mutations whose response is cut off after the handler ran.
     *
     * @throws IllegalArgumentException if not in [0, 1]
     */
    public Builder cutRate(double rate) {
      this.cutRate = rate(rate, "cutRate");
      return this;
    }

    /**
     * Sets the share of mutations answered 503 before they run.
     *
     * @throws IllegalArgumentException if not in [0, 1]
     */
    public Builder unavailableRate(double rate) {
      this.unavailableRate = rate(rate, "unavailableRate");
      return this;
    }

    /**
     * Sets the share of mutations delayed by {@link #delay}.
     *
     * @throws IllegalArgumentException if not in [0, 1]
     */
    public Builder delayRate(double rate) {
      this.delayRate = rate(rate, "delayRate");
      return this;
    }

    /**
     * Sets how long a delayed mutation waits. Default 200 ms.
     *
     * @throws NullPointerException if {@code delay} is null
     * @throws IllegalArgumentException if negative or above 60 s
     */
    public Builder delay(Duration delay) {
      Objects.requireNonNull(delay, "delay cannot be null");
      if (delay.isNegative() || delay.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException("delay must be between 0 and 60 s: " + delay);
      }
      this.delay = delay;
      return this;
    }

    /**
     * Sets the {@code Retry-After} of injected 503 answers, in whole seconds. Default 1 s.
     *
     * @throws NullPointerException if {@code retryAfter} is null
     * @throws IllegalArgumentException if not between 1 s and 1 h
     */
    public Builder retryAfter(Duration retryAfter) {
      Objects.requireNonNull(retryAfter, "retryAfter cannot be null");
      if (retryAfter.compareTo(Duration.ofSeconds(1)) < 0 || retryAfter.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("retryAfter must be between 1 s and 1 h: " + retryAfter);
      }
      this.retryAfter = retryAfter;
      return this;
    }

    /**
     * Sets the source of the draws; seed it for a reproducible run. Default the system source.
     *
     * @throws NullPointerException if {@code random} is null
     */
    public Builder random(RandomSource random) {
      this.random = Objects.requireNonNull(random, "random cannot be null");
      return this;
    }

    /** Sets whether injection starts on. Default false. */
    public Builder enabled(boolean on) {
      this.enabled = on;
      return this;
    }

    /**
     * Builds the filter.
     *
     * @throws IllegalStateException if the rates sum above 1
     */
    public FaultInjectionFilter build() {
      double sum = dropRate + cutRate + unavailableRate + delayRate;
      if (sum > 1.0 + 1e-9) {
        throw new IllegalStateException("dropRate + cutRate + unavailableRate + delayRate cannot exceed 1: " + sum);
      }
      return new FaultInjectionFilter(this);
    }

    private static double rate(double rate, String name) {
      if (!(rate >= 0 && rate <= 1)) {
        throw new IllegalArgumentException(name + " must be in [0, 1]: " + rate);
      }
      return rate;
    }
  }
}
