package dev.closedloop.sync.examples;

import java.time.Duration;
import java.util.Locale;

/**
 * The demo's command line. Every option has a default, so {@code java -jar sync-examples.jar}
 * runs the whole loop.
 *
 * <p>This class is immutable and threadsafe.
 */
record DemoOptions(
    int mutations,
    double faultRate,
    int clients,
    Duration outage,
    boolean serve,
    int port,
    boolean redis,
    String redisUrl,
    long seed) {

  static final String USAGE = String.join("\n",
      "usage: java -jar sync-examples.jar [options]",
      "  --mutations N     mutations to send in the chaos run (default 300; 0 skips the run)",
      "  --fault-rate R    share of mutations that meet an injected fault, 0..1 (default 0.3)",
      "  --clients N       Java clients sending at once (default 4)",
      "  --outage SECONDS  how long the server is down mid-run (default 4)",
      "  --serve           keep the server up afterwards for the web page (Ctrl-C to stop)",
      "  --port N          port to listen on (default: a free one; 8080 with --serve)",
      "  --redis [URL]     Redis for the idempotency store (default URL redis://127.0.0.1:6379)",
      "  --seed N          seed of the injected faults (default 42)",
      "  --help            this text");

  static DemoOptions defaults() {
    return new DemoOptions(300, 0.3, 4, Duration.ofSeconds(4), false, -1, false, Backends.DEFAULT_REDIS_URL, 42);
  }

  /**
   * Parses the command line.
   *
   * @throws IllegalArgumentException naming the option that is wrong
   */
  static DemoOptions parse(String... args) {
    DemoOptions o = defaults();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--mutations":
          o = o.withMutations(intArg(args, ++i, a, 0, 1_000_000));
          break;
        case "--fault-rate":
          o = o.withFaultRate(doubleArg(args, ++i, a));
          break;
        case "--clients":
          o = o.withClients(intArg(args, ++i, a, 1, 64));
          break;
        case "--outage":
          o = o.withOutage(Duration.ofMillis(Math.round(doubleArg(args, ++i, a, 0, 600) * 1000)));
          break;
        case "--serve":
          o = o.withServe(true);
          break;
        case "--port":
          o = o.withPort(intArg(args, ++i, a, 0, 65535));
          break;
        case "--redis":
          String url = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : o.redisUrl();
          if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
            throw new IllegalArgumentException("--redis takes a redis:// URL: " + url);
          }
          o = o.withRedis(url);
          break;
        case "--seed":
          o = o.withSeed(longArg(args, ++i, a));
          break;
        default:
          throw new IllegalArgumentException("unknown option " + a);
      }
    }
    return o;
  }

  /** Returns the port to bind: the given one, else 8080 when serving, else a free one. */
  int effectivePort() {
    return port >= 0 ? port : serve ? 8080 : 0;
  }

  DemoOptions withMutations(int n) {
    return new DemoOptions(n, faultRate, clients, outage, serve, port, redis, redisUrl, seed);
  }

  DemoOptions withFaultRate(double r) {
    return new DemoOptions(mutations, r, clients, outage, serve, port, redis, redisUrl, seed);
  }

  DemoOptions withClients(int n) {
    return new DemoOptions(mutations, faultRate, n, outage, serve, port, redis, redisUrl, seed);
  }

  DemoOptions withOutage(Duration d) {
    return new DemoOptions(mutations, faultRate, clients, d, serve, port, redis, redisUrl, seed);
  }

  DemoOptions withServe(boolean s) {
    return new DemoOptions(mutations, faultRate, clients, outage, s, port, redis, redisUrl, seed);
  }

  DemoOptions withPort(int p) {
    return new DemoOptions(mutations, faultRate, clients, outage, serve, p, redis, redisUrl, seed);
  }

  DemoOptions withRedis(String url) {
    return new DemoOptions(mutations, faultRate, clients, outage, serve, port, true, url, seed);
  }

  DemoOptions withSeed(long s) {
    return new DemoOptions(mutations, faultRate, clients, outage, serve, port, redis, redisUrl, s);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private static int intArg(String[] args, int i, String option, int min, int max) {
    String v = value(args, i, option);
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ": " + v);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a whole number: " + v);
    }
  }

  private static long longArg(String[] args, int i, String option) {
    String v = value(args, i, option);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a whole number: " + v);
    }
  }

  private static double doubleArg(String[] args, int i, String option) {
    return doubleArg(args, i, option, 0, 1);
  }

  private static double doubleArg(String[] args, int i, String option, double min, double max) {
    String v = value(args, i, option);
    double d;
    try {
      d = Double.parseDouble(v.toLowerCase(Locale.ROOT));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a number: " + v);
    }
    if (!(d >= min && d <= max)) {
      throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ": " + v);
    }
    return d;
  }
}
