package dev.closedloop.sync.realtime.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.ChangeType;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ChangeEventJsonTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00.123Z");

  @Test
  void wireFormIsOneLineWithFieldsInTheDocumentedOrder() {
    ChangeEvent e = ChangeEvent.of(
        ChangeDraft.update("bookings", "42", "{\n  \"seats\" : 3\n}", "{\"seats\":2}").withIdempotencyKey("k-1"), 41, T);
    assertThat(ChangeEventJson.toJson(e)).isEqualTo(
        "{\"topic\":\"bookings\",\"type\":\"UPDATE\",\"position\":41,\"time\":\"2026-01-01T00:00:00.123Z\","
            + "\"key\":\"42\",\"idempotencyKeyDigest\":\"fDXFoXhdIHBORNXeS-uBwfzpG2_kjtfDFZr29_gyB4s\","
            + "\"new\":{\"seats\":3},\"old\":{\"seats\":2}}");
    assertThat(ChangeEventJson.toJson(e)).as("the raw key is never sent").doesNotContain("k-1");
    assertThat(ChangeEventJson.fromJson(ChangeEventJson.toJson(e))).isEqualTo(e);
    assertThat(ChangeEventJson.fromJson(ChangeEventJson.toJson(e)).isCausedBy("k-1")).isTrue();
    assertThat(e.isCausedBy("k-2")).isFalse();
  }

  @Test
  void idempotencyKeyDigestIsBase64UrlSha256OfTheKeysUtf8BytesWithoutPadding() {
    // the browser client computes the same: crypto.subtle.digest('SHA-256', TextEncoder.encode(key))
    assertThat(dev.closedloop.sync.idempotency.IdempotencyKey.digest("k-1"))
        .isEqualTo("fDXFoXhdIHBORNXeS-uBwfzpG2_kjtfDFZr29_gyB4s").hasSize(43);
    ChangeDraft d = ChangeDraft.insert("t", "1", "{}").withIdempotencyKey("idem-1");
    assertThat(d.idempotencyKeyDigest()).isEqualTo("0FthvUtw4Nmhl6yTYPjCTk6u1TNtMar9XhbYKcZXbfM");
  }

  @Test
  void aRawKeyWrittenBeforeDigestsIsReadAsItsDigestAndABadDigestIsRefused() {
    String legacy = "{\"topic\":\"t\",\"type\":\"BROADCAST\",\"position\":1,\"time\":\"2026-01-01T00:00:00Z\","
        + "\"idempotencyKey\":\"k-1\"}";
    assertThat(ChangeEventJson.fromJson(legacy).idempotencyKeyDigest()).isEqualTo("fDXFoXhdIHBORNXeS-uBwfzpG2_kjtfDFZr29_gyB4s");
    String bad = "{\"topic\":\"t\",\"type\":\"BROADCAST\",\"position\":1,\"time\":\"2026-01-01T00:00:00Z\","
        + "\"idempotencyKeyDigest\":\"k-1\"}";
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChangeEventJson.fromJson(bad))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idempotencyKeyDigest");
  }

  @Test
  void absentFieldsAreOmittedAndEveryTypeRoundTrips() {
    for (ChangeDraft d : new ChangeDraft[] {
        ChangeDraft.insert("t", "1", "[1,2]"),
        ChangeDraft.update("t", "1", "\"text\"", null),
        ChangeDraft.delete("t", "1", null),
        ChangeDraft.broadcast("t", null),
        ChangeDraft.broadcast("t", "{\"note\":\"Zoë ✓\\n\"}")}) {
      ChangeEvent e = ChangeEvent.of(d, 7, T);
      String json = ChangeEventJson.toJson(e);
      assertThat(json).doesNotContain("null").doesNotContain("\n");
      assertThat(ChangeEventJson.fromJson(json)).isEqualTo(e);
    }
  }

  @Test
  void numbersAreKeptVerbatimBothWays() {
    ChangeEvent e = ChangeEvent.of(ChangeDraft.insert("t", "1", "{\"price\":1.10,\"big\":123456789012345678901234567890,\"e\":1E+3}"), 1, T);
    assertThat(e.newData()).isEqualTo("{\"price\":1.10,\"big\":123456789012345678901234567890,\"e\":1E+3}");
    assertThat(ChangeEventJson.fromJson(ChangeEventJson.toJson(e)).newData()).isEqualTo(e.newData());
  }

  @Test
  void unknownFieldsAreIgnoredSoTheFormatCanGrow() {
    ChangeEvent e = ChangeEventJson.fromJson(
        "{\"v\":2,\"topic\":\"t\",\"type\":\"DELETE\",\"position\":3,\"time\":\"2026-01-01T00:00:00Z\",\"key\":\"k\",\"extra\":{\"a\":[1]}}");
    assertThat(e.type()).isEqualTo(ChangeType.DELETE);
    assertThat(e.position()).isEqualTo(3);
  }

  @Test
  void badInputIsRefusedWithAMessageNamingTheProblem() {
    assertThatThrownBy(() -> ChangeEventJson.fromJson("[]")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("object");
    assertThatThrownBy(() -> ChangeEventJson.fromJson("{\"topic\":\"t\"}")).hasMessageContaining("needs");
    assertThatThrownBy(() -> ChangeEventJson.fromJson(
        "{\"topic\":\"t\",\"type\":\"MOVE\",\"position\":1,\"time\":\"2026-01-01T00:00:00Z\"}")).hasMessageContaining("MOVE");
    assertThatThrownBy(() -> ChangeEventJson.fromJson(
        "{\"topic\":\"t\",\"type\":\"BROADCAST\",\"position\":\"1\",\"time\":\"2026-01-01T00:00:00Z\"}")).hasMessageContaining("position");
    assertThatThrownBy(() -> ChangeEventJson.fromJson(
        "{\"topic\":\"t\",\"type\":\"BROADCAST\",\"position\":1,\"time\":\"yesterday\"}")).hasMessageContaining("time");
    assertThatThrownBy(() -> ChangeEventJson.fromJson(
        "{\"topic\":\"t t\",\"type\":\"BROADCAST\",\"position\":1,\"time\":\"2026-01-01T00:00:00Z\"}")).hasMessageContaining("t t");
    assertThatThrownBy(() -> ChangeEventJson.fromJson("{\"topic\":\"t\"} x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChangeEventJson.fromJson("{")).isInstanceOf(IllegalArgumentException.class);
  }
}
