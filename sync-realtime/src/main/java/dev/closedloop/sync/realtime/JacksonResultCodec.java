package dev.closedloop.sync.realtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.closedloop.sync.idempotency.ResultCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * A {@link ResultCodec} that keeps results as JSON through Jackson ({@code application/json}), for
 * {@link dev.closedloop.sync.idempotency.Idempotency#execute}: records, POJOs, maps, lists, and
 * generic types through a {@link TypeReference}.
 *
 * <pre>{@code
 * ResultCodec<Receipt> codec = JacksonResultCodec.of(Receipt.class);
 * Receipt r = idempotency.execute("ledger", messageId, fingerprint, () -> ledger.apply(m), codec);
 * }</pre>
 *
 * <p>It lives here and not in {@code sync-core}, which knows no JSON. Encoding refuses what the
 * mapper cannot write ({@link UncheckedIOException}; the {@code Idempotency} then keeps the key
 * completed as not replayable); decoding refuses bytes that are not the type ({@link
 * IllegalArgumentException} naming the type; a repeat gets {@code ResultNotReplayableException}).
 *
 * <p>This class is immutable and threadsafe (Jackson's readers and writers are).
 *
 * @param <T> the result type
 */
public final class JacksonResultCodec<T> implements ResultCodec<T> {
  /** The media type kept with the bytes. */
  public static final String MEDIA_TYPE = "application/json";

  private final JavaType type;
  private final ObjectReader reader;
  private final ObjectWriter writer;

  private JacksonResultCodec(ObjectMapper mapper, JavaType type) {
    this.type = type;
    this.reader = mapper.readerFor(type);
    this.writer = mapper.writerFor(type);
  }

  /**
   * Returns a codec for {@code type} on a plain {@link ObjectMapper}.
   *
   * @throws NullPointerException if {@code type} is null
   */
  public static <T> JacksonResultCodec<T> of(Class<T> type) {
    return of(Json.MAPPER, type);
  }

  /**
   * Returns a codec for {@code type} on {@code mapper} (the application's, with its modules, for
   * example {@code JavaTimeModule}).
   *
   * @throws NullPointerException if an argument is null
   */
  public static <T> JacksonResultCodec<T> of(ObjectMapper mapper, Class<T> type) {
    Objects.requireNonNull(mapper, "mapper cannot be null");
    Objects.requireNonNull(type, "type cannot be null");
    return new JacksonResultCodec<>(mapper, mapper.constructType(type));
  }

  /**
   * Returns a codec for a generic type, for example {@code new TypeReference<List<Receipt>>() {}}.
   *
   * @throws NullPointerException if an argument is null
   */
  public static <T> JacksonResultCodec<T> of(ObjectMapper mapper, TypeReference<T> type) {
    Objects.requireNonNull(mapper, "mapper cannot be null");
    Objects.requireNonNull(type, "type cannot be null");
    return new JacksonResultCodec<>(mapper, mapper.constructType(type));
  }

  @Override
  public String mediaType() {
    return MEDIA_TYPE;
  }

  @Override
  public byte[] encode(T result) {
    try {
      return writer.writeValueAsBytes(result);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot write a " + type + " as JSON: " + e.getOriginalMessage(), e);
    }
  }

  @Override
  public T decode(byte[] bytes) {
    try {
      return reader.readValue(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("stored result is not a " + type + " in JSON: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "JacksonResultCodec[" + type + "]";
  }
}
