package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.servlet.RealtimeSseServlet;
import dev.closedloop.sync.servlet.RealtimeSseStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Meters read from a {@link RealtimeSseServlet}'s {@linkplain RealtimeSseServlet#stats() stats}
 * when the registry is scraped; nothing is added to the streams' path. Needs {@code
 * sync-servlet} (an optional dependency of this module).
 *
 * <pre>{@code
 * new RealtimeSseMetrics(sse, "realtime").bindTo(registry);
 * }</pre>
 *
 * <ul>
 *   <li>{@code sync.sse.connections} (gauge): streams open now.
 *   <li>{@code sync.sse.connects} and {@code sync.sse.disconnects} (function counters): streams
 *       opened, and closed for any reason (each once).
 *   <li>{@code sync.sse.cutoffs} (function counter): streams closed because the client read too
 *       slowly (its buffer or its bus queue overflowed); each also logs one WARN. The client
 *       resumes with {@code Last-Event-ID}.
 *   <li>{@code sync.sse.events.sent} (function counter): change events written to clients,
 *       replayed and live.
 *   <li>{@code sync.sse.resets} (function counter): {@code reset} events sent, one per topic a
 *       stream could not resume.
 *   <li>{@code sync.sse.heartbeats} (function counter): keep-alive comments written.
 *   <li>{@code sync.sse.rejected} (function counter): requests answered with a problem (4xx,
 *       503) instead of a stream.
 * </ul>
 *
 * Every meter is tagged {@code name} and the tags given to the constructor. For the fan-out
 * latency and the replayed events of the streams, build the servlet on a bus instrumented by
 * {@link RealtimeMetrics}.
 *
 * <p>This class is threadsafe.
 */
public final class RealtimeSseMetrics implements MeterBinder {
  private final RealtimeSseServlet servlet;
  private final Tags tags;

  /**
   * Prepares the meters of {@code servlet}, called {@code name}; {@link #bindTo} registers them.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public RealtimeSseMetrics(RealtimeSseServlet servlet, String name) {
    this(servlet, name, Tags.empty());
  }

  /**
   * Prepares the meters of {@code servlet}, called {@code name}, with {@code tags} added to each.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public RealtimeSseMetrics(RealtimeSseServlet servlet, String name, Iterable<Tag> tags) {
    this.servlet = Objects.requireNonNull(servlet, "servlet cannot be null");
    this.tags = Names.base(name, tags);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry cannot be null");
    Gauge.builder("sync.sse.connections", servlet, s -> s.stats().openConnections())
        .description("SSE streams open now")
        .tags(tags)
        .register(registry);
    counter(registry, "sync.sse.connects", "SSE streams opened", RealtimeSseStats::connectionsOpened);
    counter(registry, "sync.sse.disconnects", "SSE streams closed, for any reason", RealtimeSseStats::connectionsClosed);
    counter(registry, "sync.sse.cutoffs", "SSE streams cut off because the client read too slowly",
        RealtimeSseStats::cutOffs);
    counter(registry, "sync.sse.events.sent", "Change events written to SSE clients", RealtimeSseStats::eventsSent);
    counter(registry, "sync.sse.resets", "Reset events sent to SSE clients", RealtimeSseStats::resets);
    counter(registry, "sync.sse.heartbeats", "Keep-alive comments written", RealtimeSseStats::heartbeats);
    counter(registry, "sync.sse.rejected", "SSE requests answered with a problem instead of a stream",
        RealtimeSseStats::rejected);
  }

  private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<RealtimeSseStats> f) {
    FunctionCounter.builder(name, servlet, s -> f.applyAsDouble(s.stats()))
        .description(description)
        .tags(tags)
        .register(registry);
  }

  @Override
  public String toString() {
    return "RealtimeSseMetrics" + tags;
  }
}
