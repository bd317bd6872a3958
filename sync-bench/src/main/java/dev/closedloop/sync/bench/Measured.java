package dev.closedloop.sync.bench;

import java.util.Locale;

/**
 * One measured number of the suite: a JMH score with its error, unit, threads and allocation per
 * operation, or a figure from a main program (the SSE fan-out) in the same shape.
 *
 * @param name the benchmark's short name, {@code Class.method}
 * @param score the score, in {@code unit}
 * @param error the half-width of the 99.9 % confidence interval, NaN if unknown
 * @param unit the unit, as JMH writes it ({@code ns/op}, {@code ops/s}, {@code s/op}, ...)
 * @param threads how many threads ran it
 * @param bytesPerOp bytes allocated per operation ({@code -prof gc}), NaN if not measured
 */
record Measured(String name, double score, double error, String unit, int threads, double bytesPerOp) {

  /** Whether a larger score is better (throughput) rather than worse (time per operation). */
  boolean higherIsBetter() {
    return unit.startsWith("ops/");
  }

  /** The score in a readable unit: ns or µs for times, ops/s for throughput. */
  String formatted() {
    return formatScore(score, unit);
  }

  /** The score with its error, for the detail table. */
  String formattedWithError() {
    return Double.isNaN(error) ? formatted() : formatted() + " ± " + formatScore(error, unit);
  }

  /** The allocation per operation, or an empty string. */
  String formattedBytes() {
    if (Double.isNaN(bytesPerOp)) {
      return "";
    }
    return bytesPerOp < 0.5 ? "0 B" : String.format(Locale.ROOT, "%,.0f B", bytesPerOp);
  }

  /** Converts a time score to nanoseconds; throughput scores are returned as they are. */
  double nanos() {
    switch (unit) {
      case "ns/op":
        return score;
      case "us/op":
        return score * 1e3;
      case "ms/op":
        return score * 1e6;
      case "s/op":
        return score * 1e9;
      default:
        return score;
    }
  }

  static String formatScore(double value, String unit) {
    switch (unit) {
      case "ns/op":
        return value >= 10_000 ? String.format(Locale.ROOT, "%,.2f µs", value / 1e3)
            : String.format(Locale.ROOT, value >= 100 ? "%,.0f ns" : "%.1f ns", value);
      case "us/op":
        return String.format(Locale.ROOT, "%,.2f µs", value);
      case "ms/op":
        return String.format(Locale.ROOT, "%,.1f ms", value);
      case "s/op":
        return String.format(Locale.ROOT, value < 1 ? "%,.0f ms" : "%,.2f s", value < 1 ? value * 1e3 : value);
      case "ops/s":
        return String.format(Locale.ROOT, "%,.0f/s", value);
      default:
        return String.format(Locale.ROOT, "%,.2f %s", value, unit);
    }
  }
}
