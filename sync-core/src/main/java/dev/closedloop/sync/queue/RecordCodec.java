package dev.closedloop.sync.queue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * Encodes and decodes journal records. The byte layout is documented on {@link FileJournal}, the
 * class that writes it; this class is its only implementation.
 *
 * <p>This class is threadsafe (stateless).
 */
final class RecordCodec {
  static final int MAGIC = 0xC105ED51;
  static final byte VERSION = 1;
  static final int HEADER = 24;
  /** The largest body a reader accepts, whatever the configured payload limit: 64 MiB + 64 KiB. */
  static final int MAX_BODY = OfflineQueueBuilder.MAX_PAYLOAD_LIMIT + (64 << 10);

  static final byte PUT = 1;
  static final byte ACK = 2;
  static final byte NACK = 3;
  static final byte DEAD = 4;
  static final byte REQUEUE = 5;
  static final byte CLEAR = 6;
  static final byte SNAPSHOT = 7;

  private static final int PUT_FIXED = 8 + 1 + 4 + 4 + 8 + 8 + 8 + 8 + 2 + 2 + 4 + 4;
  private static final int NULL_SHORT = 0xFFFF;

  private RecordCodec() {}

  /** Returns an estimate of a PUT record's size on disk (characters counted as bytes). */
  static int putSize(QueuedItem item) {
    return HEADER + PUT_FIXED + length(item.scope()) + item.idempotencyKey().length()
        + length(item.lastError()) + item.payloadSize();
  }

  private static int length(@Nullable String s) {
    return s == null ? 0 : s.length();
  }

  /** Encodes {@code rec} with sequence number {@code seq}, framed and checksummed. */
  static ByteBuffer encode(Rec rec, long seq) {
    byte type;
    byte[] body;
    if (rec instanceof Rec.Put) {
      type = PUT;
      body = putBody((Rec.Put) rec);
    } else if (rec instanceof Rec.Ack) {
      type = ACK;
      body = ByteBuffer.allocate(8).putLong(((Rec.Ack) rec).id()).array();
    } else if (rec instanceof Rec.Nack) {
      Rec.Nack n = (Rec.Nack) rec;
      type = NACK;
      byte[] err = utf8(n.error());
      ByteBuffer b = ByteBuffer.allocate(8 + 4 + 8 + 4 + (err == null ? 0 : err.length));
      b.putLong(n.id()).putInt(n.attempts()).putLong(n.notBeforeMillis());
      putBytes32(b, err);
      body = b.array();
    } else if (rec instanceof Rec.Dead) {
      Rec.Dead d = (Rec.Dead) rec;
      type = DEAD;
      byte[] reason = utf8(d.reason());
      ByteBuffer b = ByteBuffer.allocate(8 + 4 + 4 + reason.length);
      b.putLong(d.id()).putInt(d.attempts());
      putBytes32(b, reason);
      body = b.array();
    } else if (rec instanceof Rec.Requeue) {
      Rec.Requeue q = (Rec.Requeue) rec;
      type = REQUEUE;
      body = ByteBuffer.allocate(16).putLong(q.id()).putLong(q.notBeforeMillis()).array();
    } else if (rec instanceof Rec.Clear) {
      type = CLEAR;
      body = new byte[0];
    } else {
      Rec.Snapshot s = (Rec.Snapshot) rec;
      type = SNAPSHOT;
      body = ByteBuffer.allocate(28)
          .putLong(s.baseSegment()).putLong(s.nextId()).putLong(s.nextSeq()).putInt(s.count())
          .array();
    }
    ByteBuffer out = ByteBuffer.allocate(HEADER + body.length);
    out.putInt(MAGIC).put(VERSION).put(type).putShort((short) 0).putInt(body.length).putLong(seq);
    out.putInt(crc(out.array(), 0, body));
    out.put(body);
    out.flip();
    return out;
  }

  private static byte[] putBody(Rec.Put p) {
    QueuedItem item = p.item();
    byte[] scope = utf8(item.scope());
    byte[] key = utf8(item.idempotencyKey());
    byte[] err = utf8(item.lastError());
    byte[] payload = item.payloadUnsafe();
    ByteBuffer b = ByteBuffer.allocate(PUT_FIXED + (scope == null ? 0 : scope.length) + key.length
        + (err == null ? 0 : err.length) + payload.length);
    b.putLong(item.id()).put((byte) (p.dead() ? 1 : 0)).putInt(item.priority())
        .putInt(item.attempts()).putLong(item.enqueuedAtMillis()).putLong(item.notBeforeMillis())
        .putLong(item.expiresAtMillis()).putLong(p.replaces());
    putBytes16(b, scope);
    putBytes16(b, key);
    putBytes32(b, err);
    putBytes32(b, payload);
    return b.array();
  }

  /**
   * Returns the total length of the record at {@code pos} if it is framed correctly (magic,
   * plausible length, matching CRC32C), else -1. The version is not checked here.
   */
  static int validLength(byte[] b, int pos, int limit) {
    if (limit - pos < HEADER || getInt(b, pos) != MAGIC) {
      return -1;
    }
    int len = getInt(b, pos + 8);
    if (len < 0 || len > MAX_BODY || len > limit - pos - HEADER) {
      return -1;
    }
    CRC32C crc = new CRC32C();
    crc.update(b, pos + 4, 16);
    crc.update(b, pos + HEADER, len);
    return (int) crc.getValue() == getInt(b, pos + 20) ? HEADER + len : -1;
  }

  static int version(byte[] b, int pos) {
    return b[pos + 4] & 0xFF;
  }

  static long sequence(byte[] b, int pos) {
    return getLong(b, pos + 12);
  }

  /**
   * Decodes the body of a validly framed record.
   *
   * @throws RuntimeException if the body does not match its type (a bug or a collision)
   */
  static Rec decode(byte[] b, int pos, int length) {
    byte type = b[pos + 5];
    ByteBuffer in = ByteBuffer.wrap(b, pos + HEADER, length - HEADER).slice();
    Rec rec;
    switch (type) {
      case PUT: {
        long id = in.getLong();
        boolean dead = (in.get() & 1) != 0;
        int priority = in.getInt();
        int attempts = in.getInt();
        long enqueuedAt = in.getLong();
        long notBefore = in.getLong();
        long expiresAt = in.getLong();
        long replaces = in.getLong();
        String scope = string16(in);
        String key = string16(in);
        String err = string32(in);
        byte[] payload = bytes32(in);
        if (key == null || payload == null || id <= 0 || priority < 0 || attempts < 0) {
          throw new IllegalArgumentException("malformed PUT record");
        }
        rec = new Rec.Put(new QueuedItem(id, priority, scope, key, attempts, notBefore, expiresAt,
            payload, err, enqueuedAt), dead, replaces);
        break;
      }
      case ACK:
        rec = new Rec.Ack(in.getLong());
        break;
      case NACK:
        rec = new Rec.Nack(in.getLong(), in.getInt(), in.getLong(), string32(in));
        break;
      case DEAD: {
        long id = in.getLong();
        int attempts = in.getInt();
        String reason = string32(in);
        rec = new Rec.Dead(id, attempts, reason == null ? "" : reason);
        break;
      }
      case REQUEUE:
        rec = new Rec.Requeue(in.getLong(), in.getLong());
        break;
      case CLEAR:
        rec = new Rec.Clear();
        break;
      case SNAPSHOT:
        rec = new Rec.Snapshot(in.getLong(), in.getLong(), in.getLong(), in.getInt());
        break;
      default:
        throw new IllegalArgumentException("unknown record type " + type);
    }
    if (in.hasRemaining()) {
      throw new IllegalArgumentException(in.remaining() + " unexpected bytes after a record of type " + type);
    }
    return rec;
  }

  private static int crc(byte[] header, int pos, byte[] body) {
    CRC32C crc = new CRC32C();
    crc.update(header, pos + 4, 16);
    crc.update(body, 0, body.length);
    return (int) crc.getValue();
  }

  static int getInt(byte[] b, int i) {
    return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
  }

  static long getLong(byte[] b, int i) {
    return ((long) getInt(b, i) << 32) | (getInt(b, i + 4) & 0xFFFFFFFFL);
  }

  private static byte @Nullable [] utf8(@Nullable String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  private static void putBytes16(ByteBuffer b, byte @Nullable [] bytes) {
    if (bytes == null) {
      b.putShort((short) NULL_SHORT);
    } else {
      b.putShort((short) bytes.length).put(bytes);
    }
  }

  private static void putBytes32(ByteBuffer b, byte @Nullable [] bytes) {
    if (bytes == null) {
      b.putInt(-1);
    } else {
      b.putInt(bytes.length).put(bytes);
    }
  }

  private static @Nullable String string16(ByteBuffer in) {
    int len = in.getShort() & 0xFFFF;
    if (len == NULL_SHORT) {
      return null;
    }
    byte[] bytes = new byte[len];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static @Nullable String string32(ByteBuffer in) {
    byte[] bytes = bytes32(in);
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }

  private static byte @Nullable [] bytes32(ByteBuffer in) {
    int len = in.getInt();
    if (len == -1) {
      return null;
    }
    if (len < 0 || len > in.remaining()) {
      throw new IllegalArgumentException("length " + len + " exceeds the record");
    }
    byte[] bytes = new byte[len];
    in.get(bytes);
    return bytes;
  }
}
