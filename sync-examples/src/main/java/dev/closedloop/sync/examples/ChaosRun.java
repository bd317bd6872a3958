package dev.closedloop.sync.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.closedloop.sync.client.MutationCall;
import dev.closedloop.sync.client.MutationListener;
import dev.closedloop.sync.client.MutationState;
import dev.closedloop.sync.client.OfflineSync;
import dev.closedloop.sync.client.SyncMutation;
import dev.closedloop.sync.client.SyncMutationBuilder;
import dev.closedloop.sync.examples.FaultInjectionFilter.Fault;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.micrometer.OfflineQueueMetrics;
import dev.closedloop.sync.queue.Durability;
import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.retry.RetryPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The default demo run: N {@link SyncMutation}s from several Java clients against a {@link
 * DemoServer} with faults injected, the server taken down for a while mid-run and brought back
 * on the same port, the clients' durable offline queues drained by {@link OfflineSync}, and a
 * report measured on both sides. Its last line is {@code exactly-once: <n> mutations, <n>
 * applied, 0 duplicates, 0 lost} when every mutation was applied exactly once.
 *
 * <p>This class is not threadsafe: one run at a time.
 */
final class ChaosRun {
  private static final String[] LEAD_STATUSES = {"CONTACTED", "QUALIFIED", "WON", "LOST"};

  /** Variables of the three mutations; a sequence number makes each one a distinct action. */
  record ConfirmBooking(String bookingId, int seq) {}

  record SendSms(String to, String text) {}

  record UpdateLeads(List<String> ids, String status) {}

  /** What a run measured. */
  record Report(int mutations, long applied, long duplicates, long lost, long succeeded, long failed,
      long queued, long leftInQueues, List<String> lines) {
    boolean exactlyOnce() {
      return applied == mutations && duplicates == 0 && lost == 0 && failed == 0 && succeeded == mutations
          && leftInQueues == 0;
    }

    String lastLine() {
      return "exactly-once: " + mutations + " mutations, " + applied + " applied, " + duplicates + " duplicates, "
          + lost + " lost";
    }
  }

  /** One Java client: its own id (scope), durable queue, offline sync and three mutations. */
  private static final class Client implements AutoCloseable {
    final String id;
    final OfflineQueue queue;
    final OfflineSync offline;
    final SyncMutation<ConfirmBooking, JsonNode> confirm;
    final SyncMutation<SendSms, JsonNode> sms;
    final SyncMutation<UpdateLeads, JsonNode> leads;

    Client(int n, long seed, DemoServer server, Path dir, HttpClient http, AtomicInteger queued) throws IOException {
      this.id = UUID.nameUUIDFromBytes(("demo-client-" + seed + "-" + n).getBytes()).toString();
      this.queue = OfflineQueue.builder()
          .durability(Durability.ALWAYS)              // offer() returns after fsync
          .retryPolicy(RetryPolicy.builder()          // replays are patient: no deadline
              .maxAttempts(50)
              .initialDelay(Duration.ofMillis(100))
              .maxDelay(Duration.ofSeconds(1))
              .noDeadline()
              .build())
          .open(dir);                                 // a file queue: it survives a restart
      this.offline = OfflineSync.builder(queue)
          .httpClient(http)
          .autoSync(false)                            // this run drains explicitly: syncNow()
          .requestTimeout(Duration.ofSeconds(10))
          .build();
      new OfflineQueueMetrics(server.meterRegistry(), "client-" + n).bind(queue); // charted on /status.html
      this.confirm = common(SyncMutation.<ConfirmBooking, JsonNode>builder("confirm-booking")
          .endpoint(v -> server.uri("/api/bookings/" + v.bookingId() + "/confirm"))
          .body(v -> Map.of("seq", v.seq())), http, queued);
      this.sms = common(SyncMutation.<SendSms, JsonNode>builder("send-sms")
          .endpoint(server.uri("/api/sms")), http, queued);
      this.leads = common(SyncMutation.<UpdateLeads, JsonNode>builder("update-leads")
          .endpoint(server.uri("/api/leads/status"))
          .method("PATCH"), http, queued);
    }

    /** What the three mutations share: this client's id, retries, the offline queue. */
    private <V> SyncMutation<V, JsonNode> common(SyncMutationBuilder<V, JsonNode> builder, HttpClient http,
        AtomicInteger queued) {
      return builder
          .responseType(JsonNode.class)
          .httpClient(http)
          .header(DemoScopes.HEADER, id)            // the demo's scope for anonymous callers
          .retryPolicy(RetryPolicy.builder()
              .maxAttempts(4)
              .initialDelay(Duration.ofMillis(100))
              .maxDelay(Duration.ofSeconds(1))
              .deadline(Duration.ofSeconds(10))
              .build())
          .attemptTimeout(Duration.ofSeconds(6))
          .offline(offline)                          // retries exhausted: keep it, key and all
          .listener(new MutationListener<V, JsonNode>() {
            @Override
            public void onStateChange(MutationCall<V, JsonNode> call, MutationState<JsonNode> from,
                MutationState<JsonNode> to) {
              if (to instanceof MutationState.Queued) {
                queued.incrementAndGet();
              }
            }
          })
          .build();
    }

    @Override
    public void close() throws IOException {
      offline.close();
      queue.close();
    }
  }

  private final DemoOptions options;
  private final PrintStream out;

  ChaosRun(DemoOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  /**
   * Runs the demo against {@code server}, which must be started; leaves it running.
   *
   * @throws IOException if a queue directory cannot be made or opened
   * @throws InterruptedException if interrupted
   * @throws Exception if the server cannot come back on its port
   */
  Report run(DemoServer server) throws Exception {
    int n = options.mutations();
    List<String> lines = new ArrayList<>();
    Path dir = Files.createTempDirectory("closedloop-demo-");
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();
    AtomicInteger queued = new AtomicInteger();
    List<Client> clients = new ArrayList<>();
    List<MutationCall<?, JsonNode>> calls = new ArrayList<>();
    List<String> scopedKeys = new ArrayList<>();
    try {
      for (int i = 0; i < options.clients(); i++) {
        clients.add(new Client(i, options.seed(), server, dir.resolve("client-" + i), http, queued));
      }
      say(lines, "server " + server.uri("/") + "; " + options.clients() + " clients; faults on "
          + Math.round(options.faultRate() * 100) + " % of requests; outage " + options.outage().toMillis() + " ms");

      int firstThird = n / 3;
      int secondThird = 2 * n / 3;
      for (int k = 0; k < n; k++) {
        if (k == firstThird) {
          server.stop();
          say(lines, "server DOWN after " + k + " mutations (requests in flight are cut)");
        }
        if (k == secondThird) {
          TimeUnit.NANOSECONDS.sleep(Math.max(0, options.outage().toNanos()));
          server.start();
          say(lines, "server UP again on port " + server.port() + " after " + options.outage().toMillis() + " ms");
        }
        Client c = clients.get(k % clients.size());
        MutationCall<?, JsonNode> call = mutate(c, k);
        calls.add(call);
        scopedKeys.add(IdempotencyKey.of("client:" + c.id, call.key()).storageKey());
        TimeUnit.MILLISECONDS.sleep(5);
      }
      if (!server.isRunning()) { // n < 3: the outage never ended in the loop
        TimeUnit.NANOSECONDS.sleep(Math.max(0, options.outage().toNanos()));
        server.start();
      }

      drain(clients, calls, lines);

      long succeeded = calls.stream().filter(c -> c.result().isDone() && !c.result().isCompletedExceptionally()).count();
      long failed = calls.stream().filter(c -> c.result().isCompletedExceptionally()).count();
      long left = 0;
      for (Client c : clients) {
        left += c.queue.stats().pending();
      }
      DemoState.Counters counters = server.state().counters();
      long lost = scopedKeys.stream().filter(k -> server.state().applications(k) == 0).count();
      long doubled = scopedKeys.stream().filter(k -> server.state().applications(k) > 1).count();
      Map<Fault, Long> faults = server.faults().counts();
      say(lines, "faults injected: " + faults.get(Fault.DROP_AFTER_HANDLER) + " answers dropped after the handler ran, "
          + faults.get(Fault.CUT_RESPONSE) + " cut, " + faults.get(Fault.UNAVAILABLE) + " 503s, "
          + faults.get(Fault.DELAY) + " delayed");
      say(lines, "clients: " + succeeded + " succeeded, " + failed + " failed, " + queued.get()
          + " went through the offline queue, " + left + " still queued");
      for (MutationCall<?, JsonNode> call : calls) {
        call.result().exceptionally(e -> {
          say(lines, "  failed: " + call.mutationName() + " " + call.variables() + ": " + describe(e));
          return null;
        });
      }
      say(lines, "server: " + counters.bookings() + " bookings confirmed, " + counters.sms() + " texts sent, "
          + counters.leads() + " bulk lead updates; " + server.idempotencyFilter().stats().replayed()
          + " answers replayed to retries");
      Report report = new Report(n, counters.total(), Math.max(counters.duplicates(), doubled), lost, succeeded,
          failed, queued.get(), left, lines);
      say(lines, report.lastLine());
      return report;
    } finally {
      for (Client c : clients) {
        c.close();
      }
      deleteTree(dir);
    }
  }

  private MutationCall<?, JsonNode> mutate(Client c, int k) {
    switch (k % 3) {
      case 0:
        return c.confirm.mutate(new ConfirmBooking(String.valueOf(1001 + k % 12), k));
      case 1:
        return c.sms.mutate(new SendSms("+1555" + String.format("%07d", k), "Demo message " + k));
      default:
        List<String> ids = List.of("lead-" + (1 + k % 100), "lead-" + (1 + (k + 37) % 100), "lead-" + (1 + (k + 71) % 100));
        return c.leads.mutate(new UpdateLeads(ids, LEAD_STATUSES[k % LEAD_STATUSES.length]));
    }
  }

  /** Replays every queue until every call settled and no queue holds work, within a bound. */
  private void drain(List<Client> clients, List<MutationCall<?, JsonNode>> calls, List<String> lines)
      throws InterruptedException {
    CompletableFuture<?> all = CompletableFuture.allOf(calls.stream()
        .map(c -> c.result().handle((r, e) -> null)).toArray(CompletableFuture[]::new));
    long limitNanos = TimeUnit.SECONDS.toNanos(60 + calls.size() / 10);
    long waited = 0;
    int passes = 0;
    while (waited < limitNanos) {
      boolean queuesEmpty = true;
      for (Client c : clients) {
        if (c.queue.stats().pending() > 0) {
          queuesEmpty = false;
          try {
            c.offline.syncNow().get(30, TimeUnit.SECONDS);
          } catch (Exception e) {
            // a pass that failed leaves the work queued; the next pass tries again
          }
          passes++;
        }
      }
      if (queuesEmpty && all.isDone()) {
        break;
      }
      TimeUnit.MILLISECONDS.sleep(100);
      waited += TimeUnit.MILLISECONDS.toNanos(100);
    }
    say(lines, "offline queues drained in " + passes + " sync passes");
  }

  private static String describe(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null && b.length() < 600; t = t.getCause()) {
      if (t instanceof java.util.concurrent.CompletionException) {
        continue;
      }
      b.append(b.length() == 0 ? "" : " <- ").append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
    }
    return b.toString();
  }

  private void say(List<String> lines, String line) {
    lines.add(line);
    out.println(line);
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // a temp directory left behind is harmless
    }
  }
}
