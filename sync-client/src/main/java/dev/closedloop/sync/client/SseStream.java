package dev.closedloop.sync.client;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP response body of a realtime stream: parsed as it arrives ({@link SseParser}) and
 * handed to its {@link Receiver}, each frame tagged with the connection's generation so the
 * receiver can ignore a connection it has moved past. Once {@linkplain #cancel() cancelled} the
 * body is cancelled and frames that still arrive are dropped.
 *
 * <p>Concurrency: the HTTP client calls the subscriber methods serially (Flow's rule); {@link
 * #cancel()} may come from any thread.
 */
final class SseStream implements Flow.Subscriber<List<ByteBuffer>>, SseParser.Handler {
  private static final Logger log = LoggerFactory.getLogger(RealtimeClient.class);

  /** What a stream tells its client. */
  interface Receiver {
    /** An event frame of connection {@code gen}, with the last event id then. */
    void onFrame(long gen, String type, String data, String id);

    /** The server asked for this reconnection time. */
    void onServerRetry(long millis);

    /** Connection {@code gen} ended: failed, completed ({@code cause} null) or sent bad input. */
    void onEnded(long gen, @Nullable Throwable cause);
  }

  private final long gen;
  private final Object endpoint;
  private final Receiver receiver;
  private final SseParser parser;
  private final AtomicBoolean cancelled = new AtomicBoolean();
  private volatile Flow.@Nullable Subscription subscription;

  /**
   * @param endpoint names the stream in logs
   * @param lastEventId the id a resumed stream starts from (the parser's initial last event id)
   */
  SseStream(long gen, Object endpoint, int maxEventChars, String lastEventId, Receiver receiver) {
    this.gen = gen;
    this.endpoint = endpoint;
    this.receiver = receiver;
    this.parser = new SseParser(this, maxEventChars);
    parser.lastEventId(lastEventId);
  }

  void cancel() {
    if (cancelled.compareAndSet(false, true)) {
      Flow.Subscription sub = subscription;
      if (sub != null) {
        sub.cancel();
      }
    }
  }

  @Override
  public void onSubscribe(Flow.Subscription sub) {
    subscription = sub;
    if (cancelled.get()) {
      sub.cancel();
      return;
    }
    sub.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    if (cancelled.get()) {
      return;
    }
    try {
      for (ByteBuffer b : items) {
        parser.feed(b);
      }
    } catch (IllegalStateException tooLarge) {
      log.warn("Realtime stream {} sent bad input: {}", endpoint, tooLarge.getMessage());
      receiver.onEnded(gen, tooLarge);
    }
  }

  @Override
  public void onError(Throwable t) {
    receiver.onEnded(gen, t);
  }

  @Override
  public void onComplete() {
    parser.end();
    receiver.onEnded(gen, null);
  }

  @Override
  public void onRetry(long millis) {
    receiver.onServerRetry(millis);
  }

  @Override
  public void onEvent(String type, String data, String id) {
    if (cancelled.get()) {
      return;
    }
    receiver.onFrame(gen, type, data, id);
  }
}
