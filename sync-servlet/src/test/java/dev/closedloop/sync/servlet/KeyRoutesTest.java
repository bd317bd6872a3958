package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyRoutesTest {
  private static KeyRoutes routes() {
    Map<String, Boolean> p = new LinkedHashMap<>();
    p.put("/api/*", true);
    p.put("/api/public/*", false);
    p.put("/api/public/pay", true);
    p.put("*.json", true);
    p.put("/webhooks", false);
    return new KeyRoutes(p, false);
  }

  @ParameterizedTest
  @CsvSource({
      "/api, true",                 // /api/* matches /api itself
      "/api/orders, true",
      "/apix, false",               // a prefix ends at a '/'
      "/api/public, false",
      "/api/public/list, false",    // the longest prefix wins
      "/api/public/pay, true",      // exact beats every prefix
      "/other/x.json, true",        // extension
      "/api/public/x.json, false",  // a prefix beats an extension
      "/webhooks, false",
      "/elsewhere, false",          // the default
  })
  void mostSpecificPatternWins(String path, boolean required) {
    assertThat(routes().isRequired(path)).isEqualTo(required);
  }

  @Test
  void slashSetsTheDefault() {
    assertThat(new KeyRoutes(Map.of("/", true), false).isRequired("/anything")).isTrue();
    assertThat(new KeyRoutes(Map.of("/*", false), true).isRequired("/anything")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"api/*", "/api/*/x", "*.", "/a*", "*.a/b", "**.json", ""})
  void malformedPatternsAreRefused(String pattern) {
    assertThatThrownBy(() -> KeyRoutes.checkPattern(pattern)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pattern must be");
  }
}
