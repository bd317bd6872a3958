package dev.closedloop.sync.idempotency;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The codecs {@link ResultCodec} ships. Not part of the API. */
final class ResultCodecs {
  private ResultCodecs() {}

  /** The codec of {@link ResultCodec#utf8()}. */
  static final class Utf8Codec implements ResultCodec<String> {
    static final Utf8Codec INSTANCE = new Utf8Codec();

    private Utf8Codec() {}

    @Override
    public String mediaType() {
      return "text/plain;charset=utf-8";
    }

    @Override
    public byte[] encode(String result) {
      return Objects.requireNonNull(result, "result cannot be null").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes))
            .toString();
      } catch (CharacterCodingException e) {
        throw new IllegalArgumentException("stored result is not UTF-8: " + e.getMessage(), e);
      }
    }

    @Override
    public String toString() {
      return "ResultCodec.utf8()";
    }
  }

  /** The codec of {@link ResultCodec#bytes()}. */
  static final class BytesCodec implements ResultCodec<byte[]> {
    static final BytesCodec INSTANCE = new BytesCodec();

    private BytesCodec() {}

    @Override
    public String mediaType() {
      return "application/octet-stream";
    }

    @Override
    public byte[] encode(byte[] result) {
      return Objects.requireNonNull(result, "result cannot be null").clone();
    }

    @Override
    public byte[] decode(byte[] bytes) {
      return bytes.clone();
    }

    @Override
    public String toString() {
      return "ResultCodec.bytes()";
    }
  }

  /** The codec of {@link ResultCodec#none()}. */
  static final class NoneCodec implements ResultCodec<@Nullable Void> {
    static final NoneCodec INSTANCE = new NoneCodec();
    private static final byte[] EMPTY = new byte[0];

    private NoneCodec() {}

    @Override
    public String mediaType() {
      return "application/x-closedloop-none";
    }

    @Override
    public byte[] encode(@Nullable Void result) {
      return EMPTY;
    }

    @Override
    public @Nullable Void decode(byte[] bytes) {
      if (bytes.length != 0) {
        throw new IllegalArgumentException("a result without a value has " + bytes.length + " bytes");
      }
      return null;
    }

    @Override
    public String toString() {
      return "ResultCodec.none()";
    }
  }
}
