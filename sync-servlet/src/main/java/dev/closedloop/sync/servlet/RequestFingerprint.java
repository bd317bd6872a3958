package dev.closedloop.sync.servlet;

import dev.closedloop.sync.spi.Digests;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A keyed request's fingerprint and the body it covers: the body read whole (so that the
 * application can read it again), digested as it is read, and the fingerprint, a SHA-256 over
 * length-prefixed fields: method, request URI, query (or absent), content type (or absent) and the
 * body's SHA-256. Each field is a 4-byte big-endian length (-1 for absent) and its UTF-8 bytes, so
 * no two different requests share an encoding.
 *
 * <p>When a filter in front already parsed a form (the container's stream is then at its end),
 * the fingerprint covers the container's parameters instead of the body ({@link
 * #parameterDigest}), and the application reads those. Any other body read before the filter
 * ran cannot be fingerprinted: {@link #consumedBefore()} says so, and the filter refuses the
 * request. One digest serves the body and then the fingerprint. Not part of the API.
 *
 * <p>This class is not threadsafe: it is one request's, on the thread that filters it.
 */
final class RequestFingerprint {
  private final byte[] body;
  private final MessageDigest bodyDigest;
  private final boolean containerParameters;
  private final boolean consumedBefore;

  private RequestFingerprint(byte[] body, MessageDigest bodyDigest, boolean containerParameters,
      boolean consumedBefore) {
    this.body = body;
    this.bodyDigest = bodyDigest;
    this.containerParameters = containerParameters;
    this.consumedBefore = consumedBefore;
  }

  /**
   * Reads the request's body and digests it; null if it is larger than {@code maxBodyBytes}.
   *
   * @param declared the request's declared length (-1 for none), already checked against the limit
   */
  static @Nullable RequestFingerprint read(HttpServletRequest request, long declared, long maxBodyBytes)
      throws IOException {
    MessageDigest digest = Digests.sha256();
    byte[] body;
    try {
      body = readBody(request, declared, maxBodyBytes, digest);
    } catch (IllegalStateException readerInUse) {
      body = new byte[0]; // something before us took the body through getReader()
    }
    if (body == null) {
      return null;
    }
    if (!bodyConsumedBefore(request, declared, body.length)) {
      return new RequestFingerprint(body, digest, false, false);
    }
    // A filter in front (CSRF, login) parsed the form or read the body: what we read is not the
    // request. A form's parameters are still in the container: fingerprint and pass those.
    if (!isForm(request)) {
      return new RequestFingerprint(body, digest, false, true);
    }
    return new RequestFingerprint(new byte[0], parameterDigest(request.getParameterMap()), true, false);
  }

  /** The body the application reads: empty when the container's parameters stand for it. */
  byte[] body() {
    return body;
  }

  /** Whether the container's form parameters stand for the body (a filter in front parsed it). */
  boolean containerParameters() {
    return containerParameters;
  }

  /** Whether a body other than a form's was read before the filter ran: no fingerprint is possible. */
  boolean consumedBefore() {
    return consumedBefore;
  }

  /** Returns the fingerprint, 64 lowercase hex digits. Call once: it reuses the body's digest. */
  String value(HttpServletRequest request) {
    byte[] bodySha256 = bodyDigest.digest(); // resets the digest, which now takes the fields
    MessageDigest d = bodyDigest;
    byte[] length = new byte[4];
    field(d, length, request.getMethod().toUpperCase(Locale.ROOT));
    field(d, length, request.getRequestURI());
    field(d, length, request.getQueryString());
    field(d, length, request.getContentType());
    Digests.updateInt(d, length, bodySha256.length);
    d.update(bodySha256);
    return Digests.hex(d.digest());
  }

  /**
   * Reads the whole body, digesting it; null if it is larger than the limit. A declared length
   * (already checked against the limit) sizes the buffer exactly, so the usual body is read in
   * place with no chunk and no copy; the buffer grows only for a body longer than declared or of
   * unknown length.
   */
  private static byte @Nullable [] readBody(HttpServletRequest request, long declared, long maxBodyBytes,
      MessageDigest digest) throws IOException {
    ServletInputStream in = request.getInputStream();
    byte[] buf = new byte[declared >= 0 ? (int) declared : (int) Math.min(8192, maxBodyBytes + 1)];
    int size = 0;
    while (true) {
      if (size == buf.length) {
        if (size > maxBodyBytes) {
          return null;
        }
        int probe = in.read();
        if (probe == -1) {
          break;
        }
        long grown = Math.min(Math.max(2L * buf.length, 1024), maxBodyBytes + 1);
        buf = Arrays.copyOf(buf, (int) Math.max(grown, size + 1L));
        buf[size++] = (byte) probe;
        continue;
      }
      int n = in.read(buf, size, buf.length - size);
      if (n == -1) {
        break;
      }
      size += n;
    }
    if (size > maxBodyBytes) {
      return null;
    }
    digest.update(buf, 0, size);
    return size == buf.length ? buf : Arrays.copyOf(buf, size);
  }

  /**
   * Whether the body was read before the filter ran: fewer bytes came than the request declares,
   * or a form body came empty (a form sent in chunks declares no length). Containers parse a form
   * POST's body on the first {@code getParameter} call, and afterwards the stream is at its end.
   */
  private static boolean bodyConsumedBefore(HttpServletRequest request, long declared, int read) {
    if (declared > read) {
      return true;
    }
    return declared < 0 && read == 0 && isForm(request);
  }

  static boolean isForm(HttpServletRequest request) {
    String ct = request.getContentType();
    return ct != null && ct.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
  }

  /**
   * A SHA-256 standing in for the body's when the container already parsed the form: over the
   * parameters (query ones included, as the container merges them) sorted by name, each a
   * length-prefixed name, a value count and length-prefixed values in their order.
   */
  static MessageDigest parameterDigest(Map<String, String[]> parameters) {
    MessageDigest d = Digests.sha256();
    byte[] length = new byte[4];
    d.update("container-form-parameters".getBytes(StandardCharsets.US_ASCII));
    for (String name : new TreeSet<>(parameters.keySet())) {
      String[] values = parameters.get(name);
      field(d, length, name);
      Digests.updateInt(d, length, values == null ? 0 : values.length);
      if (values != null) {
        for (String v : values) {
          field(d, length, v);
        }
      }
    }
    return d;
  }

  private static void field(MessageDigest d, byte[] length, @Nullable String value) {
    if (value == null) {
      Digests.updateInt(d, length, -1);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    Digests.updateInt(d, length, bytes.length);
    d.update(bytes);
  }
}
