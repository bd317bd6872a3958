package dev.closedloop.sync.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Decides per path whether a request must carry an idempotency key. Patterns follow servlet URL
 * mapping: an exact path ({@code /orders}), a path prefix ({@code /orders/*}, which also matches
 * {@code /orders}), an extension ({@code *.json}) or the default ({@code /} or {@code /*}). The
 * most specific pattern wins, as in servlet mapping: exact, then the longest prefix, then an
 * extension, then the default; a path no pattern matches gets the filter-wide default. Not part
 * of the API.
 *
 * <p>This class is immutable and threadsafe.
 */
final class KeyRoutes {
  private final Map<String, Boolean> exact = new HashMap<>();
  private final Map<String, Boolean> prefixes = new HashMap<>();
  private final Map<String, Boolean> extensions = new HashMap<>();
  private final boolean defaultRequired;
  private final int longestPrefix;

  KeyRoutes(Map<String, Boolean> patterns, boolean defaultRequired) {
    boolean fallback = defaultRequired;
    int longest = 0;
    for (Map.Entry<String, Boolean> e : new LinkedHashMap<>(patterns).entrySet()) {
      String p = e.getKey();
      if (p.equals("/") || p.equals("/*")) {
        fallback = e.getValue();
      } else if (p.endsWith("/*")) {
        String prefix = p.substring(0, p.length() - 2);
        prefixes.put(prefix, e.getValue());
        longest = Math.max(longest, prefix.length());
      } else if (p.startsWith("*.")) {
        extensions.put(p.substring(2), e.getValue());
      } else {
        exact.put(p, e.getValue());
      }
    }
    this.defaultRequired = fallback;
    this.longestPrefix = longest;
  }

  /**
   * Checks a pattern's syntax.
   *
   * @throws IllegalArgumentException if it is not one of the four servlet pattern forms
   */
  static String checkPattern(String pattern) {
    Objects.requireNonNull(pattern, "pattern cannot be null");
    boolean ok = pattern.startsWith("/") && (pattern.indexOf('*') < 0 || (pattern.endsWith("/*") && pattern.indexOf('*') == pattern.length() - 1))
        || pattern.startsWith("*.") && pattern.length() > 2 && pattern.indexOf('/') < 0 && pattern.indexOf('*', 1) < 0;
    if (!ok) {
      throw new IllegalArgumentException(
          "pattern must be /exact/path, /prefix/*, *.extension or /: " + pattern);
    }
    return pattern;
  }

  /** Returns whether a request to {@code path} (within the web application) must carry a key. */
  boolean isRequired(String path) {
    Boolean r = exact.get(path);
    if (r != null) {
      return r;
    }
    if (!prefixes.isEmpty()) {
      // the whole path (so /orders/* matches /orders), then each prefix ending before a '/'
      for (int cut = path.length(); cut > 0; cut = path.lastIndexOf('/', cut - 1)) {
        if (cut <= longestPrefix && (r = prefixes.get(path.substring(0, cut))) != null) {
          return r;
        }
      }
    }
    if (!extensions.isEmpty()) {
      int slash = path.lastIndexOf('/');
      int dot = path.lastIndexOf('.');
      if (dot > slash && (r = extensions.get(path.substring(dot + 1))) != null) {
        return r;
      }
    }
    return defaultRequired;
  }

  /** The request's path within the application (the URI without the context path): what routes match. */
  static String pathWithinApplication(HttpServletRequest request) {
    String uri = request.getRequestURI();
    String context = request.getContextPath();
    return context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length()) : uri;
  }
}
