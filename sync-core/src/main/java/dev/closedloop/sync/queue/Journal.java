package dev.closedloop.sync.queue;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Where a queue's records go. Every method but {@link #close()} is called with the queue's lock
 * held; the returned future completes (outside the lock) once the record is as durable as the
 * journal promises, or fails with the {@link IOException} that prevented it, after the journal
 * has rolled the record back through its {@link Undo}.
 */
interface Journal {
  CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  /** Throws if the journal cannot take records (an earlier failure it could not clean up). */
  void checkWritable() throws IOException;

  /** Returns the next sequence number, consuming it. */
  long nextSeq();

  /** Returns the highest sequence number whose record is committed. */
  long committedSeq();

  /** Returns a new undo log if this journal can fail and roll back, else null. */
  @Nullable
  Undo newUndo();

  /**
   * Takes a record. The caller applies it to the state right after, under the same lock hold,
   * filling {@code undo}.
   */
  CompletableFuture<Void> append(Rec rec, long seq, @Nullable Undo undo);

  /** Returns a future that completes once every record taken so far is committed. */
  CompletableFuture<Void> barrier();

  /**
   * Waits, without the lock, until {@code ticket}'s record is committed (helping to write it if
   * the journal works that way); throws the {@link IOException} that failed it.
   */
  default void await(CompletableFuture<Void> ticket) throws IOException {
    awaitCommit(ticket);
  }

  /** Waits for a record's commit, uninterruptibly (the write is under way either way). */
  static void awaitCommit(CompletableFuture<Void> ticket) throws IOException {
    if (ticket == DONE) {
      return;
    }
    boolean interrupted = false;
    try {
      while (true) {
        try {
          ticket.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof IOException) {
            throw new IOException(cause.getMessage(), cause);
          }
          if (cause instanceof RuntimeException) {
            throw (RuntimeException) cause;
          }
          throw new IOException("offline queue write failed", cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Writes what is pending and releases the journal's files. Called once, without the lock. */
  void close() throws IOException;

  /** The journal of an in-memory queue: everything is committed at once. */
  final class InMemory implements Journal {
    private long seq;

    @Override
    public void checkWritable() {}

    @Override
    public long nextSeq() {
      return ++seq;
    }

    @Override
    public long committedSeq() {
      return Long.MAX_VALUE;
    }

    @Override
    public @Nullable Undo newUndo() {
      return null;
    }

    @Override
    public CompletableFuture<Void> append(Rec rec, long seq, @Nullable Undo undo) {
      return DONE;
    }

    @Override
    public CompletableFuture<Void> barrier() {
      return DONE;
    }

    @Override
    public void close() {}
  }
}
