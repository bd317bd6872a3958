package dev.closedloop.sync.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Turns the suite's measurements into Markdown: a summary table with one row per comparison of
 * the issue (ours, each peer with the ratio, the target and whether it was met), then every
 * measurement in detail.
 *
 * <p>Ratios say how many times faster ours is than the peer: the peer's time divided by ours, or
 * our throughput divided by the peer's. Above 1 ours is faster.
 *
 * <p>This class is not threadsafe.
 */
final class SuiteReport {
  private static final String BREAKER = "CircuitBreakerBenchmark.";
  private static final String BREAKER_2T = "CircuitBreakerTwoThreadsBenchmark.";
  private static final String RETRY = "RetryBenchmark.";
  private static final String FILTER = "IdempotencyFilterBenchmark.";
  private static final String QUEUE = "DurableQueueBenchmark.";

  /** A peer in a row: its label and benchmark. */
  record Peer(String label, String benchmark) {}

  /** Whether a row met its target, and the numbers that say so. */
  record Verdict(@Nullable Boolean met, String text) {}

  /** One summary row. */
  record Row(String title, @Nullable String bare, String ours, List<Peer> peers, String target,
      Function<Map<String, Measured>, Verdict> verdict) {}

  private final Map<String, Measured> results = new TreeMap<>();

  void add(Measured m) {
    results.put(m.name(), m);
  }

  Map<String, Measured> results() {
    return results;
  }

  static List<Row> rows() {
    List<Peer> breakerPeers = List.of(
        new Peer("Resilience4j SYNCHRONIZED", "resilience4jSynchronized"),
        new Peer("Resilience4j LOCK_FREE", "resilience4jLockFree"),
        new Peer("Failsafe", "failsafe"));
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("Breaker permitted call, 1 thread", BREAKER + "baseline", BREAKER + "ours",
        prefixed(BREAKER, breakerPeers), "≤ best peer, 0 B/op, no clock read",
        r -> noSlowerThanBestPeer(r, BREAKER + "ours", prefixed(BREAKER, breakerPeers), 1.0, true)));
    rows.add(new Row("Breaker permitted call, 2 threads", BREAKER_2T + "baseline", BREAKER_2T + "ours",
        prefixed(BREAKER_2T, breakerPeers), "< ¼ of best peer, 0 B/op",
        r -> noSlowerThanBestPeer(r, BREAKER_2T + "ours", prefixed(BREAKER_2T, breakerPeers), 4.0, true)));
    List<Peer> retryPeers = List.of(new Peer("Resilience4j", "resilience4j"), new Peer("Failsafe", "failsafe"));
    rows.add(new Row("Retry, success first time", RETRY + "baselineSuccess", RETRY + "oursSuccess",
        suffixed(RETRY, retryPeers, "Success"), "≤ Resilience4j, 0 B/op",
        r -> noSlowerThanBestPeer(r, RETRY + "oursSuccess",
            List.of(new Peer("Resilience4j", RETRY + "resilience4jSuccess")), 1.0, true)));
    rows.add(new Row("Retry, one failure then success (zero delay)", RETRY + "baselineFailOnce",
        RETRY + "oursFailOnce", suffixed(RETRY, retryPeers, "FailOnce"), "none (reported)",
        r -> new Verdict(null, "")));
    rows.add(new Row("Idempotency filter, first request (1 KiB JSON)", FILTER + "bare", FILTER + "firstRequest",
        List.of(), "< 5 µs over bare", r -> overBare(r, FILTER + "firstRequest", FILTER + "bare", 5_000)));
    rows.add(new Row("Idempotency filter, replay (1 KiB JSON)", FILTER + "bare", FILTER + "replay",
        List.of(), "< 3 µs over bare", r -> overBare(r, FILTER + "replay", FILTER + "bare", 3_000)));
    rows.add(new Row("In-memory store claim + complete, 1 thread", null, "IdempotencyStoreBenchmark.claimAndComplete",
        List.of(), "none (reported)", r -> new Verdict(null, "")));
    rows.add(new Row("In-memory store claim + complete, 2 threads", null,
        "IdempotencyStoreTwoThreadsBenchmark.claimAndComplete", List.of(), "none (reported)",
        r -> new Verdict(null, "")));
    rows.add(new Row("Durable offer, fsync each, 1 producer", QUEUE + "rawAppendForce", QUEUE + "oursOneProducer",
        List.of(new Peer("Tape QueueFile.add, 1 thread", QUEUE + "tapeOneThread")),
        "≥ 90 % of raw append + force", r -> fractionOf(r, QUEUE + "oursOneProducer", QUEUE + "rawAppendForce", 0.9)));
    rows.add(new Row("Durable offer, fsync each, 8 producers", QUEUE + "rawAppendForce", QUEUE + "oursEightProducers",
        List.of(new Peer("Tape QueueFile.add, 8 threads, one lock", QUEUE + "tapeEightThreads")),
        "≥ 10× Tape", r -> fractionOf(r, QUEUE + "oursEightProducers", QUEUE + "tapeEightThreads", 10.0)));
    rows.add(new Row("Durable queue recovery, 100,000 records", null, "QueueRecoveryBenchmark.open", List.of(),
        "< 1 s", r -> below(r, "QueueRecoveryBenchmark.open", 1e9)));
    rows.add(new Row("SSE fan-out, 1,000 clients × 1,000 events (closed loop): p99", null, "SseFanOut.p99", List.of(),
        "p99 < 100 ms", r -> below(r, "SseFanOut.p99", 100e6)));
    return rows;
  }

  private static List<Peer> prefixed(String prefix, List<Peer> peers) {
    List<Peer> out = new ArrayList<>();
    for (Peer p : peers) {
      out.add(new Peer(p.label(), prefix + p.benchmark()));
    }
    return out;
  }

  private static List<Peer> suffixed(String prefix, List<Peer> peers, String suffix) {
    List<Peer> out = new ArrayList<>();
    for (Peer p : peers) {
      out.add(new Peer(p.label(), prefix + p.benchmark() + suffix));
    }
    return out;
  }

  /** Ours at most {@code 1/factor} of the fastest peer's time, and (if asked) 0 B/op. */
  private static Verdict noSlowerThanBestPeer(Map<String, Measured> r, String ours, List<Peer> peers, double factor,
      boolean zeroAlloc) {
    Measured o = r.get(ours);
    Measured best = null;
    for (Peer p : peers) {
      Measured m = r.get(p.benchmark());
      if (m != null && (best == null || m.nanos() < best.nanos())) {
        best = m;
      }
    }
    if (o == null || best == null) {
      return new Verdict(null, "not measured");
    }
    boolean fast = o.nanos() * factor <= best.nanos();
    boolean alloc = !zeroAlloc || Double.isNaN(o.bytesPerOp()) || o.bytesPerOp() < 0.5;
    String text = String.format(Locale.ROOT, "best peer ÷ ours = %.2f", best.nanos() / o.nanos());
    if (!alloc) {
      text += ", allocates " + o.formattedBytes();
    }
    return new Verdict(fast && alloc, text);
  }

  private static Verdict overBare(Map<String, Measured> r, String ours, String bare, double limitNanos) {
    Measured o = r.get(ours);
    Measured b = r.get(bare);
    if (o == null || b == null) {
      return new Verdict(null, "not measured");
    }
    double over = o.nanos() - b.nanos();
    return new Verdict(over < limitNanos, "+" + Measured.formatScore(over, "ns/op") + " over bare");
  }

  /** Ours at least {@code fraction} of the reference throughput. */
  private static Verdict fractionOf(Map<String, Measured> r, String ours, String reference, double fraction) {
    Measured o = r.get(ours);
    Measured ref = r.get(reference);
    if (o == null || ref == null) {
      return new Verdict(null, "not measured");
    }
    double ratio = o.score() / ref.score();
    String text = fraction >= 1 ? String.format(Locale.ROOT, "%.1f×", ratio) : String.format(Locale.ROOT, "%.0f %%", ratio * 100);
    return new Verdict(ratio >= fraction, text);
  }

  private static Verdict below(Map<String, Measured> r, String ours, double limitNanos) {
    Measured o = r.get(ours);
    if (o == null) {
      return new Verdict(null, "not measured");
    }
    return new Verdict(o.nanos() < limitNanos, o.formatted());
  }

  /** The summary table and the detail table, in Markdown. */
  String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("| Row | Bare | Ours | Peers (ours N× faster) | Target | Met |\n");
    md.append("|---|---|---|---|---|---|\n");
    for (Row row : rows()) {
      Measured ours = results.get(row.ours());
      Measured bare = row.bare() == null ? null : results.get(row.bare());
      StringBuilder peers = new StringBuilder();
      for (Peer p : row.peers()) {
        Measured m = results.get(p.benchmark());
        if (peers.length() > 0) {
          peers.append("<br>");
        }
        peers.append(p.label()).append(": ");
        if (m == null) {
          peers.append("not measured");
          continue;
        }
        peers.append(cell(m));
        if (ours != null) {
          double ratio = m.higherIsBetter() ? ours.score() / m.score() : m.nanos() / ours.nanos();
          peers.append(String.format(Locale.ROOT, " (×%.2f)", ratio));
        }
      }
      Verdict v = row.verdict().apply(results);
      String met = v.met() == null ? (v.text().isEmpty() ? "—" : "— " + v.text())
          : (v.met() ? "yes, " : "**no**, ") + v.text();
      md.append("| ").append(row.title())
          .append(" | ").append(bare == null ? "" : cell(bare))
          .append(" | ").append(ours == null ? "not measured" : cell(ours))
          .append(" | ").append(peers)
          .append(" | ").append(row.target())
          .append(" | ").append(met)
          .append(" |\n");
    }
    md.append("\nEvery measurement (score ± 99.9 % confidence half-width; allocation from `-prof gc`):\n\n");
    md.append("| Benchmark | Threads | Score | Allocated per op |\n|---|---|---|---|\n");
    for (Measured m : results.values()) {
      md.append("| ").append(m.name()).append(" | ").append(m.threads()).append(" | ")
          .append(m.formattedWithError()).append(" | ").append(m.formattedBytes()).append(" |\n");
    }
    return md.toString();
  }

  private static String cell(Measured m) {
    String bytes = m.formattedBytes();
    return bytes.isEmpty() ? m.formatted() : m.formatted() + ", " + bytes;
  }
}
