package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.spi.Digests;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Decides whose request this is: the scope an idempotency key lives in. Keys are never shared
 * between scopes, so the scope must identify the caller at least as finely as responses may be
 * shared.
 *
 * <p>The default, {@link #principal(Function)}, uses the authenticated principal's name. <b>All
 * unauthenticated callers share the one scope {@value #ANONYMOUS}</b>: two anonymous clients that
 * pick the same key (a badly generated UUID, a constant) would see each other's responses. An
 * application that accepts anonymous mutations should resolve a finer scope itself, for example
 * from a device id or a session it trusts.
 *
 * <p>Implementations must be threadsafe, fast and must not throw for a well-formed request.
 *
 * @param <R> the request type, for example {@code HttpServletRequest}
 */
@FunctionalInterface
public interface ScopeResolver<R> {
  /** The scope every unauthenticated caller shares under {@link #principal(Function)}. */
  String ANONYMOUS = "anonymous";

  /** The prefix of scopes derived from a principal, so none can equal {@link #ANONYMOUS}. */
  String PRINCIPAL_PREFIX = "principal:";

  /**
   * The prefix of scopes derived from a principal whose name is too long to be a scope: the
   * SHA-256 of the name's UTF-8 bytes follows in lowercase hex.
   */
  String PRINCIPAL_HASH_PREFIX = "principal-sha256:";

  /**
   * Returns the scope of {@code request}: 1 to {@link IdempotencyKey#MAX_SCOPE_LENGTH}
   * characters.
   */
  String scope(R request);

  /**
   * Returns a resolver that scopes by the principal's name ({@code principal:<name>}, or {@code
   * principal-sha256:<hex>} for a name too long to be a scope), and puts
   * every request without a principal (or with an empty name) in the shared scope {@value
   * #ANONYMOUS}.
   *
   * @param principalOf reads the authenticated principal of a request, null when there is none
   * @throws NullPointerException if {@code principalOf} is null
   */
  static <R> ScopeResolver<R> principal(Function<? super R, ? extends @Nullable Principal> principalOf) {
    Objects.requireNonNull(principalOf, "principalOf cannot be null");
    return request -> {
      Principal p = principalOf.apply(request);
      String name = p == null ? null : p.getName();
      if (name == null || name.isEmpty()) {
        return ANONYMOUS;
      }
      return PRINCIPAL_PREFIX.length() + name.length() <= IdempotencyKey.MAX_SCOPE_LENGTH
          ? PRINCIPAL_PREFIX + name
          : PRINCIPAL_HASH_PREFIX + Digests.hex(Digests.sha256(name.getBytes(StandardCharsets.UTF_8)));
    };
  }

  /**
   * Returns a resolver that puts every request in {@code scope}: only for single-tenant
   * services where every caller may see every response.
   *
   * @throws NullPointerException if {@code scope} is null
   * @throws IllegalArgumentException if {@code scope} is empty or too long
   */
  static <R> ScopeResolver<R> fixed(String scope) {
    IdempotencyKey.of(scope, "x"); // validates
    return request -> scope;
  }
}
