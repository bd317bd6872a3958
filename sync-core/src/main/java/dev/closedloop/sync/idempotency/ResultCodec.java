package dev.closedloop.sync.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * Turns the result of a piece of work into the bytes an {@link IdempotencyStore} keeps, and back,
 * so that every repeat of the work gets the first result. {@link Idempotency#execute} stores the
 * bytes with {@link #mediaType()} and refuses to decode a result stored under another media type
 * ({@link ResultNotReplayableException}), so one codec never misreads another's bytes.
 *
 * <p>Codecs in core: {@link #utf8()} for strings, {@link #bytes()} for byte arrays and {@link
 * #none()} for work without a result. JSON through Jackson is {@code JacksonResultCodec} in
 * {@code sync-realtime} (core knows no JSON).
 *
 * <p>Implementations must be threadsafe and deterministic: {@code decode(encode(r))} equals
 * {@code r} as far as callers can tell.
 *
 * @param <T> the work's result type
 */
public interface ResultCodec<T extends @Nullable Object> {

  /**
   * Returns the media type of the encoded bytes, kept with them (as {@code Content-Type}), for
   * example {@code application/json}. Not empty.
   */
  String mediaType();

  /**
   * Encodes a result. An exception here means the result cannot be kept: the work ran, so {@link
   * Idempotency#execute} still completes the key (as not replayable) and returns the result to
   * its caller; repeats get {@link ResultNotReplayableException}.
   */
  byte[] encode(T result);

  /**
   * Decodes what {@link #encode} wrote.
   *
   * @throws RuntimeException if {@code bytes} are not such a value; {@link Idempotency#execute}
   *     turns it into {@link ResultNotReplayableException}
   */
  T decode(byte[] bytes);

  /** Returns a codec for strings as UTF-8 ({@code text/plain;charset=utf-8}); null is refused. */
  static ResultCodec<String> utf8() {
    return ResultCodecs.Utf8Codec.INSTANCE;
  }

  /** Returns a codec that keeps byte arrays as they are ({@code application/octet-stream}); null is refused. */
  static ResultCodec<byte[]> bytes() {
    return ResultCodecs.BytesCodec.INSTANCE;
  }

  /**
   * Returns a codec for work without a result ({@code Void}, or a result nobody replays): it keeps
   * no bytes and decodes to null. A repeat still learns that the work ran.
   */
  static ResultCodec<@Nullable Void> none() {
    return ResultCodecs.NoneCodec.INSTANCE;
  }
}
