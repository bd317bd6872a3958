package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * The Java client and the browser client (sync-web's {@code rules.js}) retry the same statuses:
 * both read one table, {@code sync-web/src/test/resources/retry-table.json}, so they cannot drift.
 */
class SharedRetryTableTest {
  private static final Path TABLE = Paths.get("..", "sync-web", "src", "test", "resources", "retry-table.json");

  @Test
  void theClassifierAgreesWithEveryRowOfTheSharedTable() throws IOException {
    JsonNode table = new ObjectMapper().readTree(TABLE.toFile());
    assertThat(table.get("keyInUse").asText()).isEqualTo(Http.PROBLEM_KEY_IN_USE);
    assertThat(table.get("rows")).hasSizeGreaterThan(20);
    for (JsonNode row : table.get("rows")) {
      int status = row.get(0).asInt();
      String problemType = row.get(1).isNull() ? null : row.get(1).asText();
      boolean hasRetryAfter = row.get(2).asBoolean();
      assertThat(Classifier.isRetryableStatus(status, problemType, hasRetryAfter)).as("row %s", row)
          .isEqualTo(row.get(3).asBoolean());
    }
  }
}
