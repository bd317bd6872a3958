package dev.closedloop.sync.examples;

import dev.closedloop.sync.idempotency.IdempotencyListener;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.micrometer.IdempotencyFilterMetrics;
import dev.closedloop.sync.micrometer.IdempotencyStoreMetrics;
import dev.closedloop.sync.micrometer.RealtimeMetrics;
import dev.closedloop.sync.micrometer.RealtimeSseMetrics;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.IdempotencyFilterBuilder;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import dev.closedloop.sync.time.RandomSource;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.jspecify.annotations.Nullable;

/**
 * The demo application on embedded Jetty 12: three mutation endpoints behind the {@link
 * IdempotencyFilter}, their change events on a {@link RealtimeSseServlet}, a read endpoint, a
 * {@link FaultInjectionFilter} in front of it all, and the web page.
 *
 * <pre>
 * POST  /api/bookings/{id}/confirm   confirm a booking, send the guest one confirmation
 * POST  /api/sms                     send a text through a flaky gateway (retry, breaker, budget)
 * PATCH /api/leads/status            set many leads' status at once, all or none
 * GET   /api/state                   state and counters: applied per endpoint, duplicates (0)
 * GET   /events?topics=bookings,sms,leads   Server-Sent Events, resumable with Last-Event-ID
 * GET   /metrics                     Prometheus text format: the sync.* meters of every piece
 * GET   /                            the web page (static/index.html, static/app.js)
 * GET   /status.html                 the same numbers live (static/status.js polls /metrics)
 * </pre>
 *
 * <p>{@link #stop()} takes the server off the network and {@link #start()} brings it back on the
 * same port; the application, its state, the idempotency store and the bus live on in between.
 *
 * <p>This class is threadsafe.
 */
public final class DemoServer implements AutoCloseable {
  private static final Duration ACCEPTOR_EXIT = Duration.ofSeconds(5);

  private final String host;
  private final int requestedPort;
  private final DemoState state;
  private final DemoEvents events;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final RealtimeBus bus;
  private final RealtimeSseServlet sse;
  private final boolean ownsBus;
  private final IdempotencyFilter idempotency;
  private final FaultInjectionFilter faults;
  private final SmsSender smsSender;
  private final ReentrantLock lifecycle = new ReentrantLock();
  private @Nullable Server jetty; // guarded by lifecycle
  private @Nullable ServerConnector connector; // guarded by lifecycle
  private volatile int boundPort = -1;

  private DemoServer(Builder b) {
    this.host = b.host;
    this.requestedPort = b.port;
    this.state = new DemoState(b.bookings, b.leads);
    RealtimeBus givenBus = b.bus;
    this.ownsBus = givenBus == null;
    RealtimeBus rawBus = givenBus != null ? givenBus : InProcessRealtimeBus.builder().maxEventsPerTopic(10_000).build();
    this.bus = new RealtimeMetrics(registry, "demo").instrument(rawBus); // publishes go through the meters
    this.events = new DemoEvents(bus);
    IdempotencyStore store = b.store != null ? b.store : InMemoryIdempotencyStore.ofDefaults();
    if (store instanceof InMemoryIdempotencyStore) {
      new IdempotencyStoreMetrics((InMemoryIdempotencyStore) store, "api").bindTo(registry);
    }
    IdempotencyFilterBuilder filter = IdempotencyFilter.builder()
        .store(store)
        .scopeResolver(DemoScopes.principalOrClientId())
        .requireKey("/api/*")
        .inProgressWait(Duration.ofSeconds(2));
    b.filterListeners.forEach(filter::listener); // e.g. an audit log (JdbcAuditListener)
    this.idempotency = new IdempotencyFilterMetrics(registry, "api").build(filter); // build() with meters
    this.sse = RealtimeSseServlet.builder(bus).heartbeat(Duration.ofSeconds(15)).build();
    new RealtimeSseMetrics(sse, "events").bindTo(registry);
    this.faults = b.faults;
    SimulatedSmsGateway gateway = new SimulatedSmsGateway(b.smsFailureRate, b.smsStallRate, b.smsStall, b.random);
    this.smsSender = new SmsSender(gateway, b.random, registry);
  }

  /** Returns a builder: 127.0.0.1, a free port, in-memory store and bus, faults off. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts the HTTP server on the configured port, or, after a {@link #stop()}, opens its port
   * again (the same port). Does nothing if it is running.
   *
   * @return this
   * @throws Exception if Jetty cannot start (the port is taken, for example)
   */
  public DemoServer start() throws Exception {
    lifecycle.lock();
    try {
      Server running = jetty;
      if (running != null) {
        if (connector == null) {
          // back on the same port, through a new connector: a Jetty connector is not made to be
          // started again once stopped (a second stop can leave its port open)
          ServerConnector c = connector(running, boundPort);
          running.addConnector(c);
          c.start();
          connector = c;
        }
        return this;
      }
      Server server = new Server();
      ServerConnector c = connector(server, requestedPort);
      server.addConnector(c);
      server.setHandler(context());
      server.setStopTimeout(0); // close() is abrupt: no graceful wait for open streams
      try {
        server.start();
      } catch (Exception e) {
        server.stop();
        throw e;
      }
      boundPort = c.getLocalPort();
      jetty = server;
      connector = c;
      return this;
    } finally {
      lifecycle.unlock();
    }
  }

  private ServerConnector connector(Server server, int port) {
    ServerConnector c = new ServerConnector(server);
    c.setHost(host);
    c.setPort(port);
    return c;
  }

  private ServletContextHandler context() {
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    context.setBaseResource(ResourceFactory.of(context).newResource(staticFiles()));

    // Outermost: the fault injector breaks the network, not the application.
    FilterHolder faultHolder = new FilterHolder(faults);
    faultHolder.setAsyncSupported(true);
    context.addFilter(faultHolder, "/api/*", EnumSet.of(DispatcherType.REQUEST));
    // Then the idempotency filter: every mutation under /api/ needs a key and runs once per key.
    idempotency.register(context.getServletContext(), "/api/*");

    context.addServlet(new ServletHolder(new BookingServlet(state, events)), "/api/bookings/*");
    context.addServlet(new ServletHolder(new SmsServlet(state, events, smsSender)), "/api/sms");
    context.addServlet(new ServletHolder(new LeadsServlet(state, events)), "/api/leads/status");
    context.addServlet(new ServletHolder(new StateServlet(this)), "/api/state");

    ServletHolder sseHolder = new ServletHolder(sse);
    sseHolder.setAsyncSupported(true);
    context.addServlet(sseHolder, "/events");
    context.addServlet(new ServletHolder(new MetricsServlet(registry)), "/metrics");

    // The browser client from its WebJar, under a path without the version so pages need not
    // change when it does (a container serving META-INF/resources offers the versioned path too).
    ServletHolder webJar = new ServletHolder("sync-web", DefaultServlet.class);
    webJar.setInitParameter("baseResource", WebJarFiles.root().toString());
    webJar.setInitParameter("pathInfoOnly", "true");
    webJar.setInitParameter("dirAllowed", "false");
    webJar.setInitParameter("cacheControl", PAGE_CACHE);
    context.addServlet(webJar, "/webjars/closedloop-sync/*");

    ServletHolder files = new ServletHolder("static", DefaultServlet.class);
    files.setInitParameter("dirAllowed", "false");
    files.setInitParameter("cacheControl", PAGE_CACHE);
    context.addServlet(files, "/");
    return context;
  }

  /**
   * The page and its modules may be reused for a minute without asking, so that a page opened
   * again while offline still loads from the cache and drains its offline queue when back.
   */
  static final String PAGE_CACHE = "max-age=60";

  /** The page's directory, {@code static/} beside this class (in its jar or classes directory). */
  private static URI staticFiles() {
    URL index = DemoServer.class.getResource("/static/index.html");
    if (index == null) {
      throw new IllegalStateException("static/index.html is missing from the classpath");
    }
    String s = index.toString();
    return URI.create(s.substring(0, s.length() - "index.html".length()));
  }

  /**
   * Takes the server off the network: its port is closed and every open connection with it, so
   * clients see their requests fail (an answer being written is lost) and then connection
   * refused, until {@link #start()} opens the same port again. The application keeps running:
   * requests already inside finish, and the idempotency filter keeps their answers for the
   * retries. (Stopping the whole container instead would end requests still inside the filter
   * chain with the stopped context's errors; the filter would release their claims, and their
   * retries would run them again: safe, but a noisier outage than a closed port.) Does nothing if
   * it is not running.
   */
  public void stop() {
    lifecycle.lock();
    try {
      Server server = jetty;
      ServerConnector c = connector;
      if (server == null || c == null) {
        return;
      }
      connector = null;
      try {
        c.stop();
        // stop() interrupts the acceptor but does not wait for it (the stop timeout is 0), and the
        // port stays open until the acceptor has left accept(): wait, so that a stopped server
        // refuses connections and start() can bind the port again
        c.join(ACCEPTOR_EXIT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while closing the demo server's port", e);
      } catch (Exception e) {
        throw new IllegalStateException("could not close the demo server's port", e);
      } finally {
        server.removeConnector(c);
      }
    } finally {
      lifecycle.unlock();
    }
  }

  /** Returns whether the HTTP server is up and its port open. */
  public boolean isRunning() {
    lifecycle.lock();
    try {
      ServerConnector c = connector;
      return c != null && c.isRunning();
    } finally {
      lifecycle.unlock();
    }
  }

  /**
   * Returns the port the server listens on (or listened on, while stopped).
   *
   * @throws IllegalStateException if it never started
   */
  public int port() {
    int p = boundPort;
    if (p < 0) {
      throw new IllegalStateException("the demo server has not started");
    }
    return p;
  }

  /**
   * Returns the URI of {@code path} on this server, e.g. {@code uri("/api/state")}.
   *
   * @throws IllegalStateException if it never started
   */
  public URI uri(String path) {
    return URI.create("http://" + host + ":" + port() + path);
  }

  /** Returns the fault injector, to turn it on or off or script faults. */
  public FaultInjectionFilter faults() {
    return faults;
  }

  /** Returns the idempotency filter (its stats survive restarts). */
  public IdempotencyFilter idempotencyFilter() {
    return idempotency;
  }

  /** Returns the realtime bus the endpoints publish on. */
  public RealtimeBus bus() {
    return bus;
  }

  DemoState state() {
    return state;
  }

  SmsSender smsSender() {
    return smsSender;
  }

  /** Returns the meter registry that {@code /metrics} shows. */
  public PrometheusMeterRegistry meterRegistry() {
    return registry;
  }

  /** Stops the server (its SSE streams end), and closes the bus if the builder made it. */
  @Override
  public void close() {
    lifecycle.lock();
    try {
      Server server = jetty;
      jetty = null;
      connector = null;
      if (server != null) {
        server.stop();
      }
    } catch (Exception e) {
      throw new IllegalStateException("could not stop the demo server", e);
    } finally {
      lifecycle.unlock();
      if (ownsBus) {
        bus.close();
      }
      registry.close();
    }
  }

  /**
   * Configures a {@link DemoServer}.
   *
   * <p>This class is not threadsafe.
   */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port;
    private @Nullable IdempotencyStore store;
    private @Nullable RealtimeBus bus;
    private FaultInjectionFilter faults = FaultInjectionFilter.builder().build();
    private double smsFailureRate;
    private double smsStallRate;
    private Duration smsStall = Duration.ofSeconds(2);
    private RandomSource random = RandomSource.system();
    private int bookings = 12;
    private int leads = 100;
    private final List<IdempotencyListener> filterListeners = new ArrayList<>();

    private Builder() {}

    /**
     * Adds a listener to the idempotency filter; for example {@code new
     * JdbcAuditListener(auditLog)}, or an {@code IdempotencyFilterListener}.
     *
     * @throws NullPointerException if {@code listener} is null
     */
    public Builder filterListener(IdempotencyListener listener) {
      filterListeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
      return this;
    }

    /**
     * Sets the address to listen on. Default 127.0.0.1.
     *
     * @throws NullPointerException if {@code host} is null
     */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host cannot be null");
      return this;
    }

    /**
     * Sets the port; 0 (the default) picks a free one.
     *
     * @throws IllegalArgumentException if not in [0, 65535]
     */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Sets the idempotency store. Default a new in-memory store.
     *
     * @throws NullPointerException if {@code store} is null
     */
    public Builder store(IdempotencyStore store) {
      this.store = Objects.requireNonNull(store, "store cannot be null");
      return this;
    }

    /**
     * Sets the realtime bus; the caller closes it. Default an in-process bus the server closes.
     *
     * @throws NullPointerException if {@code bus} is null
     */
    public Builder bus(RealtimeBus bus) {
      this.bus = Objects.requireNonNull(bus, "bus cannot be null");
      return this;
    }

    /**
     * Sets the fault injector. Default one that is off.
     *
     * @throws NullPointerException if {@code faults} is null
     */
    public Builder faults(FaultInjectionFilter faults) {
      this.faults = Objects.requireNonNull(faults, "faults cannot be null");
      return this;
    }

    /**
     * Sets how often the simulated SMS gateway fails and stalls, and for how long it stalls.
     * Default never.
     *
     * @throws NullPointerException if {@code stall} is null
     * @throws IllegalArgumentException if a rate is outside [0, 1], they sum above 1, or the stall
     *     is negative or above 60 s
     */
    public Builder smsGateway(double failureRate, double stallRate, Duration stall) {
      Objects.requireNonNull(stall, "stall cannot be null");
      if (!(failureRate >= 0 && failureRate <= 1) || !(stallRate >= 0 && stallRate <= 1) || failureRate + stallRate > 1) {
        throw new IllegalArgumentException(
            "failureRate and stallRate must be in [0, 1] and sum to at most 1: " + failureRate + ", " + stallRate);
      }
      if (stall.isNegative() || stall.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new IllegalArgumentException("stall must be between 0 and 60 s: " + stall);
      }
      this.smsFailureRate = failureRate;
      this.smsStallRate = stallRate;
      this.smsStall = stall;
      return this;
    }

    /**
     * Sets the random source of the SMS gateway and its retry jitter. Default the system source.
     *
     * @throws NullPointerException if {@code random} is null
     */
    public Builder random(RandomSource random) {
      this.random = Objects.requireNonNull(random, "random cannot be null");
      return this;
    }

    /**
     * Sets how many bookings ({@code 1001}…) and leads ({@code lead-1}…) the demo starts with.
     * Default 12 and 100.
     *
     * @throws IllegalArgumentException if either is not in [1, 100000]
     */
    public Builder seedData(int bookings, int leads) {
      if (bookings < 1 || bookings > 100_000 || leads < 1 || leads > 100_000) {
        throw new IllegalArgumentException("bookings and leads must be in [1, 100000]: " + bookings + ", " + leads);
      }
      this.bookings = bookings;
      this.leads = leads;
      return this;
    }

    /** Builds the server, not started. */
    public DemoServer build() {
      return new DemoServer(this);
    }
  }
}
