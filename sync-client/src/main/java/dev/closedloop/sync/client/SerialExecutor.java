package dev.closedloop.sync.client;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in the order they were {@linkplain #enqueue enqueued}, on a delegate
 * executor (a UI thread's, or the calling thread for a direct executor). Enqueueing and running
 * are split so that a caller can enqueue while it holds a lock (fixing the order) and {@linkplain
 * #kick() run} after releasing it (a direct executor then never runs a listener under that lock).
 *
 * <p>Concurrency: tasks sit in a lock-free queue; {@code running} is claimed by one drainer at a
 * time. A drainer that finds the queue empty releases the claim and looks once more, so a task
 * enqueued in between is never stranded. A task that enqueues and kicks from inside a task only
 * adds to the queue: it runs after the current one.
 *
 * <p>This class is threadsafe.
 */
final class SerialExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

  private final Executor delegate;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean();

  SerialExecutor(Executor delegate) {
    this.delegate = delegate;
  }

  void enqueue(Runnable task) {
    tasks.add(task);
  }

  void kick() {
    if (!tasks.isEmpty() && running.compareAndSet(false, true)) {
      try {
        delegate.execute(this::drain);
      } catch (RejectedExecutionException e) {
        running.set(false);
        log.warn("Callback executor {} rejected the mutation callbacks; {} left queued", delegate, tasks.size(), e);
      }
    }
  }

  @Override
  public void execute(Runnable task) {
    enqueue(task);
    kick();
  }

  private void drain() {
    while (true) {
      Runnable r;
      while ((r = tasks.poll()) != null) {
        try {
          r.run();
        } catch (RuntimeException | Error t) {
          log.warn("Mutation callback threw", t);
        }
      }
      running.set(false);
      if (tasks.isEmpty() || !running.compareAndSet(false, true)) {
        return;
      }
    }
  }
}
