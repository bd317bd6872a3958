package dev.closedloop.sync.client;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link HttpClient} realtime clients, mutations, offline syncs and probes share when none is given: one per process, created on
 * first use, like {@code Scheduler.system()}. Its worker threads are daemons that end after 30 s
 * idle; its selector thread is a daemon that lives as long as the process. (On Java 17 an
 * {@code HttpClient} cannot be closed, so a client per {@code RealtimeClient} or mutation would leave a
 * selector thread behind each one.)
 */
final class SharedHttp {
  private SharedHttp() {}

  private static final class Holder {
    static final HttpClient CLIENT = create();
  }

  static HttpClient client() {
    return Holder.CLIENT;
  }

  private static HttpClient create() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor workers =
        new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "closedloop-http-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    return HttpClient.newBuilder().executor(workers).connectTimeout(Duration.ofSeconds(10)).build();
  }
}
