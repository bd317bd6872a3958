package dev.closedloop.sync.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ChangeDraftAndCursorTest {

  @Test
  void topicNamesFollowOneRule() {
    assertThat(Topics.isValid("bookings")).isTrue();
    assertThat(Topics.isValid("org-1.bookings_v2")).isTrue();
    assertThat(Topics.isValid("x".repeat(128))).isTrue();
    for (String bad : new String[] {"", "x".repeat(129), "-lead", ".lead", "a b", "a:b", "a,b", "é", "a/b", "a\nb"}) {
      assertThat(Topics.isValid(bad)).as(bad).isFalse();
    }
    assertThatThrownBy(() -> Topics.requireValid("a\nb")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a\\u000ab").hasMessageContaining("[A-Za-z0-9._-]");
    assertThatThrownBy(() -> Topics.requireValid(null)).isInstanceOf(NullPointerException.class).hasMessage("topic cannot be null");
  }

  @Test
  void draftsEnforceTheShapeOfEachType() {
    assertThatThrownBy(() -> ChangeDraft.of("t", ChangeType.UPDATE, null, "{}", null, null)).hasMessageContaining("needs a key");
    assertThatThrownBy(() -> ChangeDraft.of("t", ChangeType.INSERT, "k", null, null, null)).hasMessageContaining("needs new data");
    assertThatThrownBy(() -> ChangeDraft.of("t", ChangeType.DELETE, "k", "{}", null, null)).hasMessageContaining("cannot carry new data");
    assertThatThrownBy(() -> ChangeDraft.insert("t", "", "{}")).hasMessageContaining("key must be 1 to 1024");
    assertThatThrownBy(() -> ChangeDraft.insert("t", "k", "{}").withIdempotencyKey("x".repeat(256))).hasMessageContaining("255");
    assertThatThrownBy(() -> ChangeDraft.insert("t", "k", "{oops}")).hasMessageContaining("newData is not JSON");
    assertThatThrownBy(() -> ChangeDraft.insert("t", "k", "{} {}")).hasMessageContaining("trailing");
    assertThatThrownBy(() -> ChangeDraft.insert("t", "k", "  ")).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> ChangeDraft.insert("bad topic", "k", "{}")).hasMessageContaining("bad topic");
    assertThat(ChangeDraft.broadcast("t", null).key()).isNull();
    assertThat(ChangeDraft.insert("t", "k", " { \"a\" : [ 1 , true , null ] } ").newData()).isEqualTo("{\"a\":[1,true,null]}");
  }

  @Test
  void eventsNeedAPositivePosition() {
    assertThatThrownBy(() -> ChangeEvent.of(ChangeDraft.broadcast("t", null), 0, java.time.Instant.EPOCH))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
  }

  @Test
  void cursorTextRoundTripsInTopicOrder() {
    Cursor c = Cursor.of(Map.of("sms", 7L, "bookings", 41L));
    assertThat(c.format()).isEqualTo("bookings:41,sms:7");
    assertThat(Cursor.parse("sms:7,bookings:41")).isEqualTo(c);
    assertThat(Cursor.parse("")).isSameAs(Cursor.EMPTY);
    assertThat(c.with("sms", 8).format()).isEqualTo("bookings:41,sms:8");
    assertThat(c.with("sms", 7)).isSameAs(c);
    assertThat(c.retain(java.util.Set.of("sms")).format()).isEqualTo("sms:7");
    assertThat(c.position("none")).isEmpty();
    assertThat(Cursor.parse("t:" + Long.MAX_VALUE).position("t")).hasValue(Long.MAX_VALUE);
  }

  @Test
  void malformedCursorsAreRefusedNamingThePart() {
    assertThatThrownBy(() -> Cursor.parse("orders")).hasMessageContaining("'orders' is not topic:position");
    assertThatThrownBy(() -> Cursor.parse("orders:")).hasMessageContaining("position ''");
    assertThatThrownBy(() -> Cursor.parse("orders:-1")).hasMessageContaining("'-1'");
    assertThatThrownBy(() -> Cursor.parse("orders:+1")).hasMessageContaining("'+1'");
    assertThatThrownBy(() -> Cursor.parse("orders:9223372036854775808")).hasMessageContaining("decimal");
    assertThatThrownBy(() -> Cursor.parse("orders:1,")).hasMessageContaining("not topic:position");
    assertThatThrownBy(() -> Cursor.parse("a b:1")).hasMessageContaining("invalid topic");
    assertThatThrownBy(() -> Cursor.parse("a:1,a:2")).hasMessageContaining("appears twice");
    assertThatThrownBy(() -> Cursor.parse("a:1 ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cursor.parse("a:1".repeat(3000))).hasMessageContaining("longer than");
    assertThatThrownBy(() -> Cursor.of("t", -1)).hasMessageContaining("negative");
  }
}
