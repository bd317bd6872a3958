package dev.closedloop.sync.retry;

/** The built-in {@link Jitter} strategies. */
final class Jitters {
  private Jitters() {}

  static final Jitter FULL =
      new Named("full") {
        @Override
        public long apply(long b, long base, long cap, long prev, double r) {
          return (long) (r * b);
        }
      };

  static final Jitter EQUAL =
      new Named("equal") {
        @Override
        public long apply(long b, long base, long cap, long prev, double r) {
          long half = b / 2;
          return half + (long) (r * (b - half));
        }
      };

  static final Jitter DECORRELATED =
      new Named("decorrelated") {
        @Override
        public long apply(long b, long base, long cap, long prev, double r) {
          double upper = Math.max((double) base, 3.0 * Math.max(prev, base));
          double d = base + r * (upper - base);
          return d >= cap ? cap : (long) d;
        }
      };

  static final Jitter NONE =
      new Named("none") {
        @Override
        public long apply(long b, long base, long cap, long prev, double r) {
          return b;
        }
      };

  static final class Factor implements Jitter {
    private final double factor;

    Factor(double factor) {
      this.factor = factor;
    }

    @Override
    public long apply(long b, long base, long cap, long prev, double r) {
      double d = b * (1.0 - factor + 2.0 * factor * r);
      return d >= Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0L, (long) d);
    }

    @Override
    public String toString() {
      return "factor(" + factor + ")";
    }
  }

  private abstract static class Named implements Jitter {
    private final String name;

    Named(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
