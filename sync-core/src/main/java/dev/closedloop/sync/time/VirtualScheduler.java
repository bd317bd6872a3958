package dev.closedloop.sync.time;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Scheduler} on virtual time for tests: nothing runs until the test advances time, and
 * then every task that has come due runs on the test's own thread, in order of due time (ties in
 * the order they were scheduled), with the {@link ManualTicker} set to each task's due time while
 * it runs. A task may schedule further tasks; those due within the same advance run too.
 *
 * <pre>{@code
 * ManualTicker time = new ManualTicker();
 * VirtualScheduler scheduler = new VirtualScheduler(time);
 * CompletableFuture<String> result = executor.getAsync(call);   // waits on the scheduler
 * scheduler.advance(Duration.ofSeconds(2));                     // runs the retries due by then
 * }</pre>
 *
 * <p>Advancing the {@link ManualTicker} directly moves time without running tasks; call
 * {@link #runDue()} afterwards to run what came due.
 *
 * <p>This class is threadsafe: tasks may be scheduled from any thread, and one thread at a time
 * runs due tasks (a task scheduled concurrently with an advance runs in that advance only if it is
 * due by then).
 */
public final class VirtualScheduler implements Scheduler {
  private final ManualTicker ticker;
  private final ReentrantLock lock = new ReentrantLock();
  private final ReentrantLock runLock = new ReentrantLock();
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private long sequence;

  /** Creates a scheduler on a new {@link ManualTicker}. */
  public VirtualScheduler() {
    this(new ManualTicker());
  }

  /**
   * Creates a scheduler driven by {@code ticker}.
   *
   * @throws NullPointerException if {@code ticker} is null
   */
  public VirtualScheduler(ManualTicker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker cannot be null");
  }

  /** Returns the ticker this scheduler reads and moves. */
  public ManualTicker ticker() {
    return ticker;
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    Objects.requireNonNull(task, "task cannot be null");
    lock.lock();
    try {
      long now = ticker.read();
      long due = delayNanos <= 0 ? now : saturatedAdd(now, delayNanos);
      Task t = new Task(due, sequence++, task);
      queue.add(t);
      return t;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Moves time forward by {@code delta}, running every task due by the new time, in order.
   *
   * @return the number of tasks run
   * @throws IllegalArgumentException if {@code delta} is negative
   */
  public int advance(Duration delta) {
    Objects.requireNonNull(delta, "delta cannot be null");
    long deltaNanos = Durations.saturatedNanos(delta);
    if (deltaNanos < 0) {
      throw new IllegalArgumentException("delta must not be negative: " + delta);
    }
    return runUntil(saturatedAdd(ticker.read(), deltaNanos));
  }

  /**
   * Waits on virtual time: when {@code ticker} is this scheduler's own, {@link #advance advances}
   * by {@code nanos}, running the tasks that come due on the calling thread; any other ticker is
   * waited on as {@link Scheduler#sleep} does. Checks for an interrupt before and after.
   */
  @Override
  public void sleep(long nanos, Ticker ticker) throws InterruptedException {
    if (ticker != this.ticker) {
      Scheduler.super.sleep(nanos, ticker);
      return;
    }
    Durations.checkInterrupt();
    advance(Duration.ofNanos(nanos));
    Durations.checkInterrupt();
  }

  /**
   * Runs every task that is due at the current time (including tasks those tasks schedule with
   * no delay), without moving time.
   *
   * @return the number of tasks run
   */
  public int runDue() {
    return runUntil(ticker.read());
  }

  /**
   * Moves time to the next pending task's due time and runs every task due then.
   *
   * @return the number of tasks run; 0 if nothing is pending
   */
  public int runNext() {
    Long next = nextDueNanos();
    return next == null ? 0 : runUntil(Math.max(next, ticker.read()));
  }

  /** Returns the number of tasks scheduled and not yet run or cancelled. */
  public int pendingCount() {
    lock.lock();
    try {
      queue.removeIf(t -> t.cancelled.get());
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** Returns the delay from now until the next pending task, or null if none is pending. */
  public @Nullable Duration nextDelay() {
    Long next = nextDueNanos();
    return next == null ? null : Duration.ofNanos(Math.max(0, next - ticker.read()));
  }

  private @Nullable Long nextDueNanos() {
    lock.lock();
    try {
      queue.removeIf(t -> t.cancelled.get());
      Task head = queue.peek();
      return head == null ? null : head.due;
    } finally {
      lock.unlock();
    }
  }

  private int runUntil(long target) {
    runLock.lock();
    try {
      int ran = 0;
      while (true) {
        Task next;
        lock.lock();
        try {
          next = queue.peek();
          if (next == null || next.due - target > 0) {
            break;
          }
          queue.poll();
        } finally {
          lock.unlock();
        }
        if (!next.cancelled.compareAndSet(false, true)) {
          continue; // cancelled while queued
        }
        if (next.due - ticker.read() > 0) {
          ticker.setNanos(next.due);
        }
        ExecutorScheduler.runLogged(next.task);
        ran++;
      }
      if (target - ticker.read() > 0) {
        ticker.setNanos(target);
      }
      return ran;
    } finally {
      runLock.unlock();
    }
  }

  /** Returns descriptions of the pending tasks, for failure messages. */
  @Override
  public String toString() {
    lock.lock();
    try {
      List<String> pending = new ArrayList<>();
      for (Task t : queue) {
        if (!t.cancelled.get()) {
          pending.add("+" + (t.due - ticker.read()) + "ns");
        }
      }
      return "VirtualScheduler[now=" + ticker.read() + "ns, pending=" + pending + "]";
    } finally {
      lock.unlock();
    }
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private static final class Task implements Comparable<Task>, Cancellable {
    final long due;
    final long seq;
    final Runnable task;
    /** True once the task has run or been cancelled. */
    final AtomicBoolean cancelled = new AtomicBoolean();

    Task(long due, long seq, Runnable task) {
      this.due = due;
      this.seq = seq;
      this.task = task;
    }

    @Override
    public boolean cancel() {
      return cancelled.compareAndSet(false, true);
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(due, o.due);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
