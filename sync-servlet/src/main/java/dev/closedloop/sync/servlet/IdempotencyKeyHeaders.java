package dev.closedloop.sync.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads the client's idempotency key from {@code Idempotency-Key} (an RFC 9651 sf-string, or
 * leniently a bare token) and {@code X-Idempotency-Key}, and checks it against the key rules.
 * Not part of the API.
 *
 * <p>This class is immutable and threadsafe.
 */
final class IdempotencyKeyHeaders {
  static final String HEADER = "Idempotency-Key";
  static final String LEGACY_HEADER = "X-Idempotency-Key";

  private static final Pattern UUID_PATTERN =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private final int maxKeyLength;
  private final boolean uuidOnly;
  private final boolean acceptLegacyHeader;

  IdempotencyKeyHeaders(int maxKeyLength, boolean uuidOnly, boolean acceptLegacyHeader) {
    this.maxKeyLength = maxKeyLength;
    this.uuidOnly = uuidOnly;
    this.acceptLegacyHeader = acceptLegacyHeader;
  }

  /** A key that cannot be accepted; the message is the problem's detail. */
  static final class InvalidKeyException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidKeyException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Returns the client's key, or null if the request carries none.
   *
   * @throws InvalidKeyException if a header is repeated, malformed, or the two headers disagree,
   *     or the key breaks the length, charset or UUID rule
   */
  @Nullable
  String read(HttpServletRequest request) throws InvalidKeyException {
    String key = single(request, HEADER);
    String parsed = key == null ? null : parse(key);
    if (acceptLegacyHeader) {
      String legacy = single(request, LEGACY_HEADER);
      String legacyParsed = legacy == null ? null : parse(legacy);
      if (parsed != null && legacyParsed != null && !parsed.equals(legacyParsed)) {
        throw new InvalidKeyException(HEADER + " and " + LEGACY_HEADER + " carry different keys");
      }
      if (parsed == null) {
        parsed = legacyParsed;
      }
    }
    if (parsed != null) {
      check(parsed);
    }
    return parsed;
  }

  private static @Nullable String single(HttpServletRequest request, String name) throws InvalidKeyException {
    Enumeration<String> values = request.getHeaders(name);
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String first = values.nextElement();
    if (values.hasMoreElements()) {
      throw new InvalidKeyException("several " + name + " header fields; send exactly one");
    }
    return first;
  }

  /** Checks the key rules: length, visible ASCII, UUID if so configured. */
  void check(String key) throws InvalidKeyException {
    if (key.isEmpty()) {
      throw new InvalidKeyException("the idempotency key is empty");
    }
    if (key.length() > maxKeyLength) {
      throw new InvalidKeyException(
          "the idempotency key has " + key.length() + " characters; at most " + maxKeyLength + " are allowed");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        throw new InvalidKeyException("the idempotency key may only contain visible ASCII characters;"
            + " found " + describe(c) + " at index " + i);
      }
    }
    if (uuidOnly && !UUID_PATTERN.matcher(key).matches()) {
      throw new InvalidKeyException("the idempotency key must be a UUID (8-4-4-4-12 hex digits)");
    }
  }

  /**
   * Parses one field value as an RFC 9651 Item whose bare item is an sf-string, or leniently as
   * a bare token. Grammar (RFC 9651 section 3.3.3):
   *
   * <pre>
   * sf-string = DQUOTE *( unescaped / "%" / bs-escaped ) DQUOTE
   * unescaped = %x20-21 / %x23-24 / %x26-5B / %x5D-7E
   * bs-escaped = "\" ( DQUOTE / "\" )
   * </pre>
   *
   * <p>Leading and trailing spaces around the item are ignored, as RFC 9651 section 4.2 says.
   * Parameters ({@code ;name=value}) are refused: none is defined for this field. A bare token
   * is any run of visible ASCII without {@code "} or {@code ,}. A comma outside a string means
   * several values and is refused.
   *
   * @return the key, unescaped
   * @throws InvalidKeyException with the reason and the index of the offending character
   */
  static String parse(String field) throws InvalidKeyException {
    int start = 0;
    int end = field.length();
    while (start < end && (field.charAt(start) == ' ' || field.charAt(start) == '\t')) {
      start++;
    }
    while (end > start && (field.charAt(end - 1) == ' ' || field.charAt(end - 1) == '\t')) {
      end--;
    }
    if (start == end) {
      throw new InvalidKeyException("the idempotency key is empty");
    }
    if (field.charAt(start) != '"') {
      return bareToken(field, start, end);
    }
    StringBuilder out = new StringBuilder(end - start);
    int i = start + 1;
    while (true) {
      if (i >= end) {
        throw new InvalidKeyException("unterminated sf-string: no closing quote");
      }
      char c = field.charAt(i++);
      if (c == '\\') {
        if (i >= end) {
          throw new InvalidKeyException("unterminated sf-string: backslash at the end");
        }
        char next = field.charAt(i++);
        if (next != '"' && next != '\\') {
          throw new InvalidKeyException(
              "invalid escape \\" + describe(next) + " at index " + (i - 1) + "; only \\\" and \\\\ are allowed");
        }
        out.append(next);
      } else if (c == '"') {
        break;
      } else if (c < 0x20 || c > 0x7E) {
        throw new InvalidKeyException(
            "invalid character " + describe(c) + " at index " + (i - 1) + " in sf-string");
      } else {
        out.append(c);
      }
    }
    if (i < end) {
      char c = field.charAt(i);
      if (c == ';') {
        throw new InvalidKeyException("parameters are not supported on the idempotency key");
      }
      if (c == ',') {
        throw new InvalidKeyException("several idempotency keys in one field; send exactly one");
      }
      throw new InvalidKeyException("unexpected " + describe(c) + " at index " + i + " after the sf-string");
    }
    return out.toString();
  }

  private static String bareToken(String field, int start, int end) throws InvalidKeyException {
    for (int i = start; i < end; i++) {
      char c = field.charAt(i);
      if (c == ',') {
        throw new InvalidKeyException("several idempotency keys in one field; send exactly one");
      }
      if (c == '"' || c < 0x21 || c > 0x7E) {
        throw new InvalidKeyException("invalid character " + describe(c) + " at index " + i
            + " in bare idempotency key; quote it as an sf-string or use visible ASCII only");
      }
    }
    return field.substring(start, end);
  }

  private static String describe(char c) {
    return c >= 0x21 && c <= 0x7E ? "'" + c + "'" : String.format("U+%04X", (int) c);
  }
}
