package dev.closedloop.sync.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A shipped SQL script: a classpath resource with {@code ${name}} placeholders, split into
 * statements. A statement ends with {@code ;} at the end of a line outside a {@code $$} body;
 * comment lines ({@code --}) outside bodies are dropped.
 *
 * <p>This class is threadsafe (stateless).
 */
final class SqlScript {
  private SqlScript() {}

  /**
   * Returns the statements of {@code resource} with each {@code ${key}} replaced by its value.
   *
   * @throws IllegalStateException if the resource is missing or does not end with a statement
   */
  static List<String> statements(String resource, Map<String, String> names) {
    String script;
    try (InputStream in = SqlScript.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("schema resource missing from the classpath: " + resource);
      }
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
    for (Map.Entry<String, String> e : names.entrySet()) {
      script = script.replace("${" + e.getKey() + "}", e.getValue());
    }
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean inBody = false;
    for (String line : script.split("\n", -1)) {
      String trimmed = line.strip();
      if (!inBody && (trimmed.startsWith("--") || (trimmed.isEmpty() && current.length() == 0))) {
        continue;
      }
      current.append(line).append('\n');
      int dollars = 0;
      for (int i = line.indexOf("$$"); i >= 0; i = line.indexOf("$$", i + 2)) {
        dollars++;
      }
      if (dollars % 2 == 1) {
        inBody = !inBody;
      }
      if (!inBody && trimmed.endsWith(";")) {
        String sql = current.toString().strip();
        statements.add(sql.substring(0, sql.length() - 1));
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      throw new IllegalStateException("schema script does not end with ';': " + resource);
    }
    return statements;
  }
}
