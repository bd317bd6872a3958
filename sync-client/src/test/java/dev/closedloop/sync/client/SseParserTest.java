package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The parser against tricky inputs, most from the WHATWG standard's own examples. Each input is
 * fed whole, one byte at a time, and split at every position, with the same result.
 * Events are written {@code type|data|lastEventId}; {@code retry=N} for a retry.
 */
class SseParserTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("spec: multi-line data", "data: YHOO\ndata: +2\ndata: 10\n\n", List.of("message|YHOO\n+2\n10|")),
        Arguments.of("spec: comment, ids, leading space",
            ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n",
            List.of("message|first event|1", "message|second event|", "message| third event|")),
        Arguments.of("spec: field without colon, empty data, incomplete last event",
            "data\n\ndata\ndata\n\ndata:", List.of("message||", "message|\n|")),
        Arguments.of("spec: the space after the colon is optional", "data:test\n\ndata: test\n\n",
            List.of("message|test|", "message|test|")),
        Arguments.of("CR line ends", "data: a\rdata: b\r\r", List.of("message|a\nb|")),
        Arguments.of("CRLF line ends", "event: x\r\ndata: a\r\n\r\n", List.of("x|a|")),
        Arguments.of("mixed line ends", "data: a\r\ndata: b\rdata: c\n\r\n", List.of("message|a\nb\nc|")),
        Arguments.of("CR then LF is one line end, CR CR is two", "data: a\r\r\ndata: b\n\n",
            List.of("message|a|", "message|b|")),
        Arguments.of("BOM at the start is dropped", "\uFEFFdata: x\n\n", List.of("message|x|")),
        Arguments.of("a BOM later is part of a field name", "\uFEFFdata: x\n\n\uFEFFdata: y\n\n", List.of("message|x|")),
        Arguments.of("id with NULL is ignored", "id: 7\ndata: a\n\nid: a\u0000b\ndata: b\n\n",
            List.of("message|a|7", "message|b|7")),
        Arguments.of("id persists across events; empty id clears it", "id: 5\ndata: a\n\ndata: b\n\nid\ndata: c\n\n",
            List.of("message|a|5", "message|b|5", "message|c|")),
        Arguments.of("event type resets after dispatch", "event: update\ndata: x\n\ndata: y\n\n",
            List.of("update|x|", "message|y|")),
        Arguments.of("event without data dispatches nothing and resets the type", "event: foo\n\ndata: x\n\n",
            List.of("message|x|")),
        Arguments.of("id alone updates the last event id without an event", "id: 9\n\ndata: x\n\n",
            List.of("message|x|9")),
        Arguments.of("retry with digits", "retry: 1500\ndata: x\n\n", List.of("retry=1500", "message|x|")),
        Arguments.of("retry with non-digits or empty is ignored", "retry: 15a\nretry\nretry: -1\nretry:  20\ndata: x\n\n",
            List.of("message|x|")),
        Arguments.of("unknown fields are ignored", "foo: bar\nDATA: no\ndata: x\n\n", List.of("message|x|")),
        Arguments.of("comments only", ":hello\n: keep-alive\n\n", List.of()),
        Arguments.of("colons in the value are kept", "data: a:b: c\n\n", List.of("message|a:b: c|")),
        Arguments.of("incomplete line at the end is discarded", "data: x\n\ndata: y\n", List.of("message|x|")),
        Arguments.of("multi-byte UTF-8", "data: Zoë ✓ 日本 😀\n\n", List.of("message|Zoë ✓ 日本 😀|")),
        Arguments.of("trailing LF of data removed once only", "data\ndata\ndata\n\n", List.of("message|\n\n|")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void parsesTheSameWholeBytewiseAndSplitAnywhere(String name, String input, List<String> expected) {
    byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
    assertThat(parseChunks(bytes, bytes.length)).as("whole").isEqualTo(expected);
    assertThat(parseChunks(bytes, 1)).as("byte by byte").isEqualTo(expected);
    for (int split = 1; split < bytes.length; split++) {
      List<String> got = new ArrayList<>();
      SseParser p = parser(got);
      p.feed(java.util.Arrays.copyOfRange(bytes, 0, split));
      p.feed(java.util.Arrays.copyOfRange(bytes, split, bytes.length));
      p.end();
      assertThat(got).as("split at %d", split).isEqualTo(expected);
    }
  }

  @Test
  void invalidUtf8BecomesReplacementCharacters() {
    List<String> got = new ArrayList<>();
    SseParser p = parser(got);
    p.feed(new byte[] {'d', 'a', 't', 'a', ':', ' ', (byte) 0xC3, (byte) 0x28, '\n', '\n'});
    p.end();
    assertThat(got).containsExactly("message|\uFFFD(|");
  }

  @Test
  void aTruncatedMultiByteSequenceAtTheEndIsNotAnEvent() {
    List<String> got = new ArrayList<>();
    SseParser p = parser(got);
    p.feed(new byte[] {'d', 'a', 't', 'a', ':', ' ', (byte) 0xE2, (byte) 0x9C});
    p.end();
    assertThat(got).isEmpty();
  }

  @Test
  void lastEventIdIsReadableAfterDispatchAndSeedable() {
    List<String> got = new ArrayList<>();
    SseParser p = parser(got);
    p.lastEventId("orders:3");
    p.feed("data: a\n\nid: orders:4\n\n".getBytes(StandardCharsets.UTF_8));
    assertThat(got).containsExactly("message|a|orders:3");
    assertThat(p.lastEventId()).isEqualTo("orders:4");
  }

  @Test
  void aLineOrEventLargerThanTheLimitIsRefused() {
    SseParser p = parser(new ArrayList<>());
    byte[] longLine = ("data: " + "x".repeat(2000)).getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> p.feed(longLine)).isInstanceOf(IllegalStateException.class).hasMessageContaining("1024");
    SseParser q = parser(new ArrayList<>());
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      many.append("data: ").append("y".repeat(50)).append('\n');
    }
    assertThatThrownBy(() -> q.feed(many.toString().getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("event");
  }

  private static List<String> parseChunks(byte[] bytes, int chunk) {
    List<String> got = new ArrayList<>();
    SseParser p = parser(got);
    for (int i = 0; i < bytes.length; i += chunk) {
      p.feed(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunk)));
    }
    p.end();
    return got;
  }

  private static SseParser parser(List<String> out) {
    return new SseParser(new SseParser.Handler() {
      @Override
      public void onEvent(String type, String data, String lastEventId) {
        out.add(type + "|" + data + "|" + lastEventId);
      }

      @Override
      public void onRetry(long millis) {
        out.add("retry=" + millis);
      }
    }, 1024);
  }
}
