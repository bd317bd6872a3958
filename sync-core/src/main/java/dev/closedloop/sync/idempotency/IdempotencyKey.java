package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.spi.Digests;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The key a store files a request under: the caller's scope and the client's idempotency key.
 * Two callers who pick the same client key get two different store keys, so one caller is never
 * served another's response.
 *
 * <p>The {@linkplain #storageKey() storage key} is {@code <length of scope>:<scope><client
 * key>}, for example {@code 11:principal:bobk-1} for scope {@code principal:bob} and client key
 * {@code k-1}. The length prefix makes the derivation unambiguous: scope {@code a} with key
 * {@code bc} and scope {@code ab} with key {@code c} never collide, whatever characters either
 * part contains. Stores that keep scope and key in separate columns use {@link #storageScope()}
 * and {@link #storageClientKey()}.
 *
 * <p><b>Strict encoding.</b> Stores write keys as UTF-8 (Redis keys, PostgreSQL text), and Java's
 * encoder turns an unpaired surrogate into {@code ?}: scopes {@code principal:} followed by an unpaired U+D800, and
 * {@code principal:?} would share a storage key, and one caller could be served the other's response
 * (a token's {@code sub} can carry such a character). So a scope or client key that is not
 * well-formed UTF-16, or holds U+0000 (which PostgreSQL text refuses), is escaped, never
 * collapsed: in both parts a backslash becomes two (&#92;&#92;), an unpaired surrogate or
 * U+0000 becomes &#92;u and four lowercase hex digits, and the storage key is then {@code
 * <length of escaped scope>!<escaped scope><escaped client key>}. Well-formed keys (every key
 * the filter accepts, and nearly every scope) keep the {@code :} form above, unchanged, so no
 * stored entry moves; the {@code !} form cannot equal any {@code :} form, and escaping is
 * reversible, so no two different (scope, key) pairs share a storage key. Principals with odd
 * names stay usable.
 *
 * <p>Logs: a key is a bearer of a client's request, and a scope often names a person, so neither
 * is logged in full. {@link #toString()} shows only {@link #redacted()}, a short hash that lets
 * two log lines about the same key be matched; {@link #redact(String)} does the same for a raw
 * client key.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class IdempotencyKey {
  /** The longest scope accepted, in characters. */
  public static final int MAX_SCOPE_LENGTH = 1024;

  /** The longest client key accepted, in characters. Front ends usually accept far less. */
  public static final int MAX_CLIENT_KEY_LENGTH = 1024;

  private final String scope;
  private final String clientKey;
  private final String storageScope;
  private final String storageClientKey;
  private final String storageKey;

  private IdempotencyKey(String scope, String clientKey) {
    this.scope = scope;
    this.clientKey = clientKey;
    if (isStrict(scope) && isStrict(clientKey)) {
      this.storageScope = scope;
      this.storageClientKey = clientKey;
      this.storageKey = scope.length() + ":" + scope + clientKey;
    } else {
      this.storageScope = escape(scope);
      this.storageClientKey = escape(clientKey);
      this.storageKey = storageScope.length() + "!" + storageScope + storageClientKey;
    }
  }

  /** Whether {@code s} is well-formed UTF-16 without U+0000: it encodes to UTF-8 and back as it is. */
  private static boolean isStrict(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return false;
      }
      if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** The reversible escape of the class comment: backslash doubled, unpaired surrogates and U+0000 as backslash, u, 4 hex digits. */
  private static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        b.append(c).append(s.charAt(++i));
      } else if (c == '\\') {
        b.append("\\\\");
      } else if (c == 0 || Character.isSurrogate(c)) {
        b.append("\\u");
        String hex = Integer.toHexString(c);
        for (int pad = hex.length(); pad < 4; pad++) {
          b.append('0');
        }
        b.append(hex);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * Returns the key for {@code clientKey} in {@code scope}.
   *
   * @param scope the caller's scope, as a {@link ScopeResolver} returns it
   * @param clientKey the idempotency key the client sent
   * @throws NullPointerException if either is null
   * @throws IllegalArgumentException if either is empty or longer than its maximum
   */
  public static IdempotencyKey of(String scope, String clientKey) {
    Objects.requireNonNull(scope, "scope cannot be null");
    Objects.requireNonNull(clientKey, "clientKey cannot be null");
    if (scope.isEmpty() || scope.length() > MAX_SCOPE_LENGTH) {
      throw new IllegalArgumentException(
          "scope must have 1 to " + MAX_SCOPE_LENGTH + " characters: " + scope.length());
    }
    if (clientKey.isEmpty() || clientKey.length() > MAX_CLIENT_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "clientKey must have 1 to " + MAX_CLIENT_KEY_LENGTH + " characters: " + clientKey.length());
    }
    return new IdempotencyKey(scope, clientKey);
  }

  /** Returns the caller's scope. */
  public String scope() {
    return scope;
  }

  /** Returns the key the client sent. */
  public String clientKey() {
    return clientKey;
  }

  /**
   * Returns the scope as stores write it: the scope itself when scope and client key are both
   * well-formed, else its strict escape (see the class comment). Always encodes to UTF-8 without
   * loss.
   */
  public String storageScope() {
    return storageScope;
  }

  /** Returns the client key as stores write it; see {@link #storageScope()}. */
  public String storageClientKey() {
    return storageClientKey;
  }

  /** Returns the unambiguous single-string form described in the class comment. */
  public String storageKey() {
    return storageKey;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdempotencyKey && ((IdempotencyKey) o).storageKey.equals(storageKey);
  }

  @Override
  public int hashCode() {
    return storageKey.hashCode();
  }

  /**
   * Returns a short hash of the storage key for logs: {@code "#"} and the first 8 hex digits of
   * its SHA-256, for example {@code #3fa2c1d0}. Equal keys give equal hashes; the key cannot be
   * read back from it.
   */
  public String redacted() {
    return redact(storageKey);
  }

  /**
   * Returns a short hash of {@code text} for logs, in the form of {@link #redacted()}: use it
   * wherever a raw idempotency key (or anything else secret-like) would otherwise be logged.
   *
   * @param text the text to hide; null gives {@code "#null"}
   */
  public static String redact(@Nullable String text) {
    if (text == null) {
      return "#null";
    }
    byte[] digest = Digests.sha256(text.getBytes(StandardCharsets.UTF_8));
    return "#" + Digests.hex(digest).substring(0, 8);
  }

  /**
   * Returns the digest under which change events carry a client's idempotency key: the SHA-256
   * of the key's UTF-8 bytes in base64url without padding (43 characters). A subscriber of a
   * topic recognises the changes its own calls caused (it knows its keys and digests them the
   * same way; in a browser {@code crypto.subtle.digest('SHA-256', utf8)}) but never learns
   * another caller's key.
   *
   * @param clientKey the idempotency key as the client sent it
   * @throws NullPointerException if {@code clientKey} is null
   */
  public static String digest(String clientKey) {
    Objects.requireNonNull(clientKey, "clientKey cannot be null");
    byte[] sha = Digests.sha256(clientKey.getBytes(StandardCharsets.UTF_8));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sha);
  }

  /** Returns {@code IdempotencyKey[#<hash>]}: the scope and client key are never shown. */
  @Override
  public String toString() {
    return "IdempotencyKey[" + redacted() + "]";
  }
}
