package dev.closedloop.sync.client;

import dev.closedloop.sync.time.Scheduler;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link ProbeConnectivity}. Every setter validates its argument at once with a fixed
 * message; {@link #build()} copies the settings.
 *
 * <p>Defaults: a probe every 10 s, each with a 5 s timeout, method GET, a shared {@link
 * HttpClient}, the system scheduler, online until a probe says otherwise.
 *
 * <p>This class is not threadsafe.
 */
public final class ProbeConnectivityBuilder {
  final URI uri;
  Duration interval = Duration.ofSeconds(10);
  Duration timeout = Duration.ofSeconds(5);
  @Nullable HttpClient http;
  Scheduler scheduler = Scheduler.system();
  boolean initiallyOnline = true;

  ProbeConnectivityBuilder(URI uri) {
    Objects.requireNonNull(uri, "uri cannot be null");
    Http.checkUri(uri, "uri");
    this.uri = uri;
  }

  /**
   * Sets the time between the end of one probe and the start of the next. Default 10 s.
   *
   * @throws NullPointerException if {@code interval} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public ProbeConnectivityBuilder interval(Duration interval) {
    this.interval = Durations.positive(interval, "interval");
    return this;
  }

  /**
   * Sets how long a probe waits for an answer. Default 5 s.
   *
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public ProbeConnectivityBuilder timeout(Duration timeout) {
    this.timeout = Durations.positive(timeout, "timeout");
    return this;
  }

  /**
   * Sets the HTTP client of the probes. Default: the shared one.
   *
   * @throws NullPointerException if {@code http} is null
   */
  public ProbeConnectivityBuilder httpClient(HttpClient http) {
    this.http = Objects.requireNonNull(http, "http cannot be null");
    return this;
  }

  /**
   * Sets the scheduler the probes are timed on. Default system.
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  public ProbeConnectivityBuilder scheduler(Scheduler scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
    return this;
  }

  /** Sets the value before the first probe answers. Default online. */
  public ProbeConnectivityBuilder initiallyOnline(boolean online) {
    this.initiallyOnline = online;
    return this;
  }

  /** Builds the probe; it starts probing on {@link ProbeConnectivity#start()}. */
  public ProbeConnectivity build() {
    return new ProbeConnectivity(this);
  }
}
