package dev.closedloop.sync.realtime;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;

/** The module's one Jackson mapper, and JSON text normalisation. Not part of the API. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final JsonFactory FACTORY = MAPPER.getFactory();

  private Json() {}

  /**
   * Returns {@code json} as compact, single-line JSON text: it is parsed token by token and
   * written back without whitespace, numbers copied verbatim (no rounding of {@code 1.10} or of
   * integers beyond 64 bits).
   *
   * @throws IllegalArgumentException if {@code json} is not exactly one JSON value
   */
  static String compact(String json, String what) {
    StringWriter out = new StringWriter(json.length());
    try (JsonParser p = FACTORY.createParser(json);
        JsonGenerator g = FACTORY.createGenerator(out)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new IllegalArgumentException(what + " is not JSON: empty text");
      }
      int depth = 0;
      do {
        switch (t) {
          case START_OBJECT -> { g.writeStartObject(); depth++; }
          case END_OBJECT -> { g.writeEndObject(); depth--; }
          case START_ARRAY -> { g.writeStartArray(); depth++; }
          case END_ARRAY -> { g.writeEndArray(); depth--; }
          case FIELD_NAME -> g.writeFieldName(p.currentName());
          case VALUE_STRING -> g.writeString(p.getText());
          case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(p.getText());
          case VALUE_TRUE -> g.writeBoolean(true);
          case VALUE_FALSE -> g.writeBoolean(false);
          case VALUE_NULL -> g.writeNull();
          default -> throw new IllegalArgumentException(what + " is not JSON: unexpected " + t);
        }
        if (depth == 0) {
          break;
        }
        t = p.nextToken();
        if (t == null) {
          throw new IllegalArgumentException(what + " is not JSON: unexpected end of text");
        }
      } while (true);
      if (p.nextToken() != null) {
        throw new IllegalArgumentException(
            what + " is not JSON: trailing content at character " + p.currentLocation().getCharOffset());
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " is not JSON: " + originalMessage(e), e);
    }
    return out.toString();
  }

  private static String originalMessage(IOException e) {
    return e instanceof com.fasterxml.jackson.core.JsonProcessingException j
        ? j.getOriginalMessage()
        : String.valueOf(e.getMessage());
  }
}
