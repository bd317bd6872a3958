package dev.closedloop.sync.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.Principal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class IdempotencyKeyTest {

  @Test
  void storageKeyIsLengthPrefixedScopeThenKey() {
    assertThat(IdempotencyKey.of("principal:bob", "k-1").storageKey()).isEqualTo("13:principal:bobk-1");
  }

  @Test
  void scopeAndKeyBoundariesNeverCollide() {
    IdempotencyKey a = IdempotencyKey.of("a", "bc");
    IdempotencyKey b = IdempotencyKey.of("ab", "c");
    IdempotencyKey c = IdempotencyKey.of("1:a", "b");
    assertThat(a.storageKey()).isNotEqualTo(b.storageKey());
    assertThat(a).isNotEqualTo(b);
    assertThat(IdempotencyKey.of("1", ":ab").storageKey()).isNotEqualTo(c.storageKey());
  }

  @Test
  void unpairedSurrogatesAreEscapedNeverCollapsedToAQuestionMark() {
    IdempotencyKey odd = IdempotencyKey.of("principal:\uD800", "k-1");
    IdempotencyKey question = IdempotencyKey.of("principal:?", "k-1");
    assertThat(odd.storageKey()).isEqualTo("16!principal:\\ud800k-1");
    assertThat(odd.storageScope()).isEqualTo("principal:\\ud800");
    assertThat(odd.scope()).isEqualTo("principal:\uD800");
    assertThat(odd.storageKey().getBytes(StandardCharsets.UTF_8))
        .isNotEqualTo(question.storageKey().getBytes(StandardCharsets.UTF_8));
    assertThat(new String(odd.storageKey().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
        .as("encodes to UTF-8 without loss").isEqualTo(odd.storageKey());
  }

  @Test
  void escapedFormNeverMeetsAWellFormedOneOrAnotherEscapedOne() {
    IdempotencyKey odd = IdempotencyKey.of("p\uD800", "k");
    IdempotencyKey literal = IdempotencyKey.of("p\\ud800", "k");
    IdempotencyKey oddKey = IdempotencyKey.of("p", "\uDC00k");
    IdempotencyKey nul = IdempotencyKey.of("p\u0000", "k");
    assertThat(literal.storageKey()).isEqualTo("7:p\\ud800k"); // well-formed: unchanged
    assertThat(odd.storageKey()).isEqualTo("7!p\\ud800k");
    assertThat(IdempotencyKey.of("p\\\uD800", "k").storageKey()).isEqualTo("9!p\\\\\\ud800k");
    assertThat(oddKey.storageKey()).isEqualTo("1!p\\udc00k");
    assertThat(nul.storageKey()).isEqualTo("7!p\\u0000k");
    assertThat(IdempotencyKey.of("p", "\uD83D\uDE00").storageKey()).as("a pair is well-formed")
        .isEqualTo("1:p\uD83D\uDE00");
  }

  @Test
  void equalPartsGiveEqualKeys() {
    assertThat(IdempotencyKey.of("s", "k")).isEqualTo(IdempotencyKey.of("s", "k"))
        .hasSameHashCodeAs(IdempotencyKey.of("s", "k"));
  }

  @Test
  void of_rejectsNullEmptyAndTooLongParts() {
    assertThatThrownBy(() -> IdempotencyKey.of(null, "k")).isInstanceOf(NullPointerException.class)
        .hasMessage("scope cannot be null");
    assertThatThrownBy(() -> IdempotencyKey.of("s", null)).isInstanceOf(NullPointerException.class)
        .hasMessage("clientKey cannot be null");
    assertThatThrownBy(() -> IdempotencyKey.of("", "k")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("scope must have 1 to 1024 characters: 0");
    assertThatThrownBy(() -> IdempotencyKey.of("s", "")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clientKey must have 1 to 1024 characters: 0");
    assertThatThrownBy(() -> IdempotencyKey.of("s", "k".repeat(1025)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clientKey must have 1 to 1024 characters: 1025");
    assertThat(IdempotencyKey.of("s".repeat(1024), "k".repeat(1024)).clientKey()).hasSize(1024);
  }

  @Test
  void principalResolverScopesByNameAndSharesAnonymous() {
    ScopeResolver<Principal> byPrincipal = ScopeResolver.principal(p -> p);
    assertThat(byPrincipal.scope(() -> "alice")).isEqualTo("principal:alice");
    assertThat(byPrincipal.scope(null)).isEqualTo(ScopeResolver.ANONYMOUS);
    assertThat(byPrincipal.scope(() -> "")).isEqualTo(ScopeResolver.ANONYMOUS);
    assertThat(byPrincipal.scope(() -> "anonymous")).isEqualTo("principal:anonymous")
        .isNotEqualTo(ScopeResolver.ANONYMOUS);
  }

  @Test
  void principalResolverHashesNamesTooLongForAScope() {
    ScopeResolver<Principal> byPrincipal = ScopeResolver.principal(p -> p);
    String longName = "x".repeat(2000);
    String scope = byPrincipal.scope(() -> longName);
    assertThat(scope).startsWith("principal-sha256:").hasSize("principal-sha256:".length() + 64);
    assertThat(byPrincipal.scope(() -> longName + "y")).isNotEqualTo(scope);
    assertThat(IdempotencyKey.of(scope, "k").scope()).isEqualTo(scope);
  }

  @Test
  void fixedResolverValidatesItsScope() {
    assertThat(ScopeResolver.<Object>fixed("tenant-1").scope(new Object())).isEqualTo("tenant-1");
    assertThatThrownBy(() -> ScopeResolver.fixed("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ScopeResolver.principal(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("principalOf cannot be null");
  }

  @Test
  void logsSeeAShortHashNeverTheKeyOrTheScope() {
    IdempotencyKey key = IdempotencyKey.of("principal:ann", "order-7f3a-secret");

    assertThat(key.redacted()).matches("#[0-9a-f]{8}");
    assertThat(key.toString()).isEqualTo("IdempotencyKey[" + key.redacted() + "]")
        .doesNotContain("order-7f3a-secret").doesNotContain("ann");
    assertThat(IdempotencyKey.of("principal:ann", "order-7f3a-secret").redacted()).isEqualTo(key.redacted());
    assertThat(IdempotencyKey.of("principal:bob", "order-7f3a-secret").redacted()).isNotEqualTo(key.redacted());
    // the hash of the storage key "13:principal:annorder-7f3a-secret", first 4 bytes of its SHA-256
    assertThat(key.redacted()).isEqualTo(IdempotencyKey.redact(key.storageKey()));
    assertThat(IdempotencyKey.redact("abc")).isEqualTo("#ba7816bf"); // SHA-256("abc") = ba7816bf...
    assertThat(IdempotencyKey.redact(null)).isEqualTo("#null");
  }
}
