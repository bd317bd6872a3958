package dev.closedloop.sync.examples;

import dev.closedloop.sync.idempotency.ScopeResolver;
import jakarta.servlet.http.HttpServletRequest;
import java.util.regex.Pattern;

/**
 * Where the demo's idempotency keys live. The library's default scope is the authenticated
 * principal, and every anonymous caller shares one scope. The demo has no login, so it scopes an
 * anonymous caller by the random client id its page (or Java client) sends in {@value #HEADER}:
 * two browsers never share keys, two tabs of one browser do (they share the id).
 *
 * <p>Trusting a header is only as safe as the id is secret: an application with sessions should
 * scope by the session or the user instead.
 *
 * <p>This class is threadsafe.
 */
final class DemoScopes {
  /** The header carrying the client's random id (a UUID). */
  static final String HEADER = "X-Client-Id";

  private static final Pattern UUID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private DemoScopes() {}

  /** The principal when there is one, else the client id, else the shared anonymous scope. */
  static ScopeResolver<HttpServletRequest> principalOrClientId() {
    ScopeResolver<HttpServletRequest> byPrincipal = ScopeResolver.principal(HttpServletRequest::getUserPrincipal);
    return request -> {
      if (request.getUserPrincipal() != null) {
        return byPrincipal.scope(request);
      }
      String client = request.getHeader(HEADER);
      return client != null && UUID.matcher(client).matches() ? "client:" + client.toLowerCase() : ScopeResolver.ANONYMOUS;
    };
  }
}
