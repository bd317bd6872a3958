package dev.closedloop.sync.client;

import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Scheduler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Connectivity} that sends {@code GET} to a URI (a health endpoint) on a {@link
 * Scheduler}: any HTTP answer, whatever its status, means the server is reachable; a connect
 * error or a timeout means offline. The next probe is scheduled when one ends, so probes never
 * overlap and a slow network is not flooded.
 *
 * <p>This class is threadsafe.
 */
public final class ProbeConnectivity implements Connectivity, AutoCloseable {
  private final URI uri;
  private final Duration interval;
  private final Duration timeout;
  private final HttpClient http;
  private final Scheduler scheduler;
  private final ConnectivityListeners state;
  private final ReentrantLock lock = new ReentrantLock();
  private @Nullable Cancellable timer; // guarded by lock
  private boolean started; // guarded by lock
  private boolean closed; // guarded by lock

  ProbeConnectivity(ProbeConnectivityBuilder b) {
    this.uri = b.uri;
    this.interval = b.interval;
    this.timeout = b.timeout;
    this.http = b.http != null ? b.http : SharedHttp.client();
    this.scheduler = b.scheduler;
    this.state = new ConnectivityListeners(b.initiallyOnline);
  }

  /**
   * Probes now, then every interval until {@link #close()}. Idempotent.
   *
   * @throws IllegalStateException if closed
   */
  public void start() {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("probe is closed");
      }
      if (started) {
        return;
      }
      started = true;
    } finally {
      lock.unlock();
    }
    probeAndReschedule();
  }

  private void probeAndReschedule() {
    probeNow().whenComplete((online, t) -> {
      lock.lock();
      try {
        if (!closed) {
          timer = scheduler.schedule(this::probeAndReschedule, interval);
        }
      } finally {
        lock.unlock();
      }
    });
  }

  /**
   * Sends one probe now, updates the value (listeners hear a change) and returns it.
   */
  public CompletableFuture<Boolean> probeNow() {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .handle((r, t) -> {
          boolean online = t == null;
          lock.lock();
          try {
            if (closed) {
              return online;
            }
          } finally {
            lock.unlock();
          }
          state.set(online);
          return online;
        });
  }

  @Override
  public boolean isOnline() {
    return state.isOnline();
  }

  @Override
  public void addListener(Listener listener) {
    state.add(listener);
  }

  @Override
  public void removeListener(Listener listener) {
    state.remove(listener);
  }

  /** Stops probing; the value stays as it was. Idempotent. */
  @Override
  public void close() {
    Cancellable t;
    lock.lock();
    try {
      closed = true;
      t = timer;
      timer = null;
    } finally {
      lock.unlock();
    }
    if (t != null) {
      t.cancel();
    }
  }

  @Override
  public String toString() {
    return "ProbeConnectivity[" + uri + ", " + (isOnline() ? "online" : "offline") + "]";
  }
}
