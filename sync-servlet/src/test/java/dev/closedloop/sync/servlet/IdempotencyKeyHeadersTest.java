package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The key parser against RFC 9651's sf-string grammar (section 3.3.3, parsing in 4.2.5):
 * {@code sf-string = DQUOTE *( unescaped / "%" / bs-escaped ) DQUOTE}, with {@code unescaped}
 * every printable ASCII character (%x20-7E) but {@code "} and {@code \}, and {@code bs-escaped =
 * "\" ( DQUOTE / "\" )}; plus the lenient bare token.
 */
class IdempotencyKeyHeadersTest {

  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(delimiterString = " => ", quoteCharacter = '\'', value = {
      // sf-strings
      "\"abc\" => abc",
      "\"a b\" => a b",           // SP is allowed inside an sf-string
      "\"a\\\"b\" => a\"b",          // \" unescapes to "
      "\"a\\\\b\" => a\\b",          // \\ unescapes to \
      "\"%20\" => %20",           // % is an ordinary character in sf-string
      "\"!#$&'()*+,-./:;<=>?@[]^_`{|}~\" => !#$&'()*+,-./:;<=>?@[]^_`{|}~",
      "'  \"padded\"  ' => padded",        // leading and trailing SP are discarded
      "\"\" => ''",            // the empty string parses; the key rules refuse it
      // bare tokens (lenient, Stripe style)
      "8e03978e-40d5-43e8-bc93-6894a57f9324 => 8e03978e-40d5-43e8-bc93-6894a57f9324",
      "abc:def/ghi => abc:def/ghi",
      "'  tok  ' => tok",
      "a\\b => a\\b",
  })
  void validValuesParse(String field, String expected) throws Exception {
    assertThat(IdempotencyKeyHeaders.parse(field)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
      "",                 // empty field
      "   ",              // only spaces
      "\"abc",            // no closing quote
      "\"abc\\\"",        // the closing quote is escaped
      "\"abc\\",          // backslash at the end
      "\"a\\nb\"",        // only \" and \\ are escapes
      "\"a\\'b\"",
      "\"a\tb\"",         // HTAB is not printable ASCII
      "\"a\u0000b\"",     // NUL
      "\"a\u007fb\"",     // DEL
      "\"caf\u00e9\"",    // non-ASCII
      "\"a\"b",           // characters after the string
      "\"a\" \"b\"",
      "\"a\",\"b\"",      // a list: several values
      "\"a\";p=1",        // parameters
      "a,b",              // bare token list
      "a b",              // SP inside a bare token
      "a\"b",             // DQUOTE inside a bare token
      "caf\u00e9",        // non-ASCII bare token
      "a\u0001b",         // control character in a bare token
  })
  void invalidValuesAreRefused(String field) {
    assertThatThrownBy(() -> IdempotencyKeyHeaders.parse(field))
        .isInstanceOf(IdempotencyKeyHeaders.InvalidKeyException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "k\u00e9", "x\ty"})
  void keyRulesRefuseEmptyAndInvisibleCharacters(String key) {
    IdempotencyKeyHeaders rules = new IdempotencyKeyHeaders(255, false, true);
    assertThatThrownBy(() -> rules.check(key)).isInstanceOf(IdempotencyKeyHeaders.InvalidKeyException.class);
  }

  @ParameterizedTest
  @CsvSource({"10, 0123456789, true", "10, 0123456789a, false", "255, ~!, true"})
  void keyRulesBoundTheLength(int max, String key, boolean ok) {
    IdempotencyKeyHeaders rules = new IdempotencyKeyHeaders(max, false, true);
    if (ok) {
      org.assertj.core.api.Assertions.assertThatCode(() -> rules.check(key)).doesNotThrowAnyException();
    } else {
      assertThatThrownBy(() -> rules.check(key)).hasMessageContaining("at most " + max);
    }
  }

  @ParameterizedTest
  @CsvSource({
      "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b, true",
      "0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B, true",
      "0190a1b2c3d47e5f8a9b0c1d2e3f4a5b, false",
      "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5, false",
      "g190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b, false",
  })
  void uuidModeAcceptsOnlyUuids(String key, boolean ok) {
    IdempotencyKeyHeaders rules = new IdempotencyKeyHeaders(255, true, true);
    if (ok) {
      org.assertj.core.api.Assertions.assertThatCode(() -> rules.check(key)).doesNotThrowAnyException();
    } else {
      assertThatThrownBy(() -> rules.check(key)).hasMessageContaining("UUID");
    }
  }
}
