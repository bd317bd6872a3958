package dev.closedloop.sync.idempotency;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The response a completed request left behind, to be replayed byte for byte: the status, the
 * headers the front end chose to keep (it filters them; a store keeps what it is given) and the
 * body.
 *
 * <p>A response too large to store is kept as {@linkplain #notReplayable(int) not replayable}:
 * only its status survives, and a replay is answered with a conflict that says so. The claim
 * still counts as completed, so the effect never runs twice.
 *
 * <p>{@link #size()} is the estimate stores count against their byte bounds: the body length,
 * plus for each header value its name and value lengths and 32 bytes, plus 64 bytes.
 *
 * <p>Remote stores keep it in one binary form, {@link
 * dev.closedloop.sync.idempotency.spi.StoredResponseCodec}.
 *
 * <p>This class is immutable and threadsafe: the body is copied in and out.
 */
public final class StoredResponse {
  private static final byte[] EMPTY = new byte[0];

  private final int status;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final boolean replayable;
  private final long size;

  private StoredResponse(int status, Map<String, List<String>> headers, byte[] body, boolean replayable) {
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.replayable = replayable;
    long s = 64L + body.length;
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      for (String v : e.getValue()) {
        s += e.getKey().length() + v.length() + 32L;
      }
    }
    this.size = s;
  }

  /**
   * Returns a replayable response.
   *
   * @param status the HTTP status, 100 to 599
   * @param headers header names to their values in order; copied, iteration order kept
   * @param body the body; copied
   * @throws NullPointerException if {@code headers}, {@code body}, a name, a value list or a value
   *     is null
   * @throws IllegalArgumentException if {@code status} is out of range or a header name is empty
   */
  public static StoredResponse of(int status, Map<String, ? extends List<String>> headers, byte[] body) {
    checkStatus(status);
    Objects.requireNonNull(headers, "headers cannot be null");
    Objects.requireNonNull(body, "body cannot be null");
    Map<String, List<String>> copy = new LinkedHashMap<>();
    for (Map.Entry<String, ? extends List<String>> e : headers.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "header name cannot be null");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("header name cannot be empty");
      }
      List<String> values = new ArrayList<>(Objects.requireNonNull(e.getValue(), "header values cannot be null"));
      for (String v : values) {
        Objects.requireNonNull(v, "header value cannot be null");
      }
      copy.put(name, Collections.unmodifiableList(values));
    }
    return new StoredResponse(status, Collections.unmodifiableMap(copy), body.clone(), true);
  }

  /**
   * Returns the record of a response that was too large to store: only its status is kept.
   *
   * @throws IllegalArgumentException if {@code status} is out of range
   */
  public static StoredResponse notReplayable(int status) {
    checkStatus(status);
    return new StoredResponse(status, Map.of(), EMPTY, false);
  }

  private static void checkStatus(int status) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be between 100 and 599: " + status);
    }
  }

  /** Returns the HTTP status. */
  public int status() {
    return status;
  }

  /** Returns the kept headers, unmodifiable, in the order given; empty if not replayable. */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /** Returns a copy of the body; empty if not replayable. */
  public byte[] body() {
    return body.clone();
  }

  /** Returns the body length in bytes. */
  public int bodyLength() {
    return body.length;
  }

  /** Writes the body to {@code out} without copying it. */
  public void writeBodyTo(OutputStream out) throws IOException {
    out.write(body);
  }

  /** Returns whether the response can be replayed; false when it was too large to store. */
  public boolean isReplayable() {
    return replayable;
  }

  /** Returns the size estimate described in the class comment. */
  public long size() {
    return size;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof StoredResponse)) {
      return false;
    }
    StoredResponse r = (StoredResponse) o;
    return status == r.status
        && replayable == r.replayable
        && headers.equals(r.headers)
        && Arrays.equals(body, r.body);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, replayable, headers, Arrays.hashCode(body));
  }

  @Override
  public String toString() {
    return replayable
        ? "StoredResponse[" + status + ", " + headers.size() + " headers, " + body.length + " bytes]"
        : "StoredResponse[" + status + ", not replayable]";
  }
}
