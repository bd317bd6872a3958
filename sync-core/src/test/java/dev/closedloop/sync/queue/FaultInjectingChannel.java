package dev.closedloop.sync.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/** A {@link FileChannel} that fails on command: disk full after N bytes, a failing force or truncate. */
final class FaultInjectingChannel extends FileChannel {

  /** The switches, shared by every channel a factory opens. */
  static final class Faults implements ChannelFactory {
    final AtomicLong writeBudget = new AtomicLong(-1); // -1: unlimited
    final AtomicBoolean failForce = new AtomicBoolean();
    final AtomicBoolean failTruncate = new AtomicBoolean();
    final AtomicInteger writes = new AtomicInteger();
    /** When set, every force waits for it (a slow disk held still). */
    volatile java.util.concurrent.CountDownLatch forceGate;
    final java.util.concurrent.CountDownLatch forceEntered = new java.util.concurrent.CountDownLatch(1);
    volatile Predicate<Path> target = p -> true;

    /** Lets {@code bytes} more bytes through, then fails every write with "No space left on device". */
    void diskFullAfter(long bytes) {
      writeBudget.set(bytes);
    }

    void clear() {
      writeBudget.set(-1);
      failForce.set(false);
      failTruncate.set(false);
      target = p -> true;
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
      return new FaultInjectingChannel(FileChannel.open(path, options), this, path);
    }
  }

  private final FileChannel delegate;
  private final Faults faults;
  private final Path path;

  private FaultInjectingChannel(FileChannel delegate, Faults faults, Path path) {
    this.delegate = delegate;
    this.faults = faults;
    this.path = path;
  }

  private boolean targeted() {
    return faults.target.test(path);
  }

  /** Returns how many of {@code wanted} bytes may be written; throws if none. */
  private int allowance(long wanted) throws IOException {
    faults.writes.incrementAndGet();
    long budget = faults.writeBudget.get();
    if (budget < 0 || !targeted()) {
      return (int) Math.min(Integer.MAX_VALUE, wanted);
    }
    if (budget == 0) {
      throw new IOException("No space left on device");
    }
    long allowed = Math.min(budget, wanted);
    faults.writeBudget.addAndGet(-allowed);
    return (int) allowed;
  }

  private int writeLimited(ByteBuffer src, long position, boolean positional) throws IOException {
    int allowed = allowance(src.remaining());
    ByteBuffer slice = src.duplicate();
    slice.limit(slice.position() + allowed);
    int n = positional ? delegate.write(slice, position) : delegate.write(slice);
    src.position(src.position() + n);
    return n;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    return writeLimited(src, 0, false);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      while (srcs[i].hasRemaining()) {
        try {
          total += writeLimited(srcs[i], 0, false);
        } catch (IOException e) {
          if (total > 0) {
            return total;
          }
          throw e;
        }
      }
    }
    return total;
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    return writeLimited(src, position, true);
  }

  @Override
  public void force(boolean metaData) throws IOException {
    java.util.concurrent.CountDownLatch gate = faults.forceGate;
    if (gate != null) {
      faults.forceEntered.countDown();
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted at the force gate");
      }
    }
    if (targeted() && faults.failForce.get()) {
      throw new IOException("Input/output error (injected fsync failure)");
    }
    delegate.force(metaData);
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    if (targeted() && faults.failTruncate.get()) {
      throw new IOException("Input/output error (injected truncate failure)");
    }
    delegate.truncate(size);
    return this;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return delegate.read(dst);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    return delegate.read(dsts, offset, length);
  }

  @Override
  public long position() throws IOException {
    return delegate.position();
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    delegate.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    return delegate.transferTo(position, count, target);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
    throw new UnsupportedOperationException("the queue never calls transferFrom; the fault channel does not forward it");
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return delegate.read(dst, position);
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
    return delegate.map(mode, position, size);
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    return delegate.lock(position, size, shared);
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return delegate.tryLock(position, size, shared);
  }

  @Override
  protected void implCloseChannel() throws IOException {
    delegate.close();
  }
}
