package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the documentation honest: every code block in {@code docs/guide.md} and {@code README.md}
 * introduced by a line {@code From `path`:} must appear, verbatim, in that file of the
 * repository, which the build compiles and tests.
 */
class GuideSnippetsTest {
  private static final Path ROOT = Paths.get("..");
  private static final Pattern FROM = Pattern.compile("^From `([^`]+)`:$");

  record Snippet(String document, int line, String file, String code) {}

  static List<Snippet> snippets(Path document) throws IOException {
    List<String> lines = Files.readAllLines(document, StandardCharsets.UTF_8);
    List<Snippet> found = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = FROM.matcher(lines.get(i));
      if (!m.matches()) {
        continue;
      }
      int open = i + 1;
      while (open < lines.size() && lines.get(open).isBlank()) {
        open++;
      }
      assertThat(lines.get(open)).as("%s:%d: a code block must follow %s", document, i + 1, lines.get(i)).startsWith("```");
      StringBuilder code = new StringBuilder();
      int j = open + 1;
      for (; j < lines.size() && !lines.get(j).startsWith("```"); j++) {
        code.append(lines.get(j)).append('\n');
      }
      found.add(new Snippet(document.toString(), i + 1, m.group(1), code.toString()));
      i = j;
    }
    return found;
  }

  private static void check(Path document, int atLeast) throws IOException {
    List<Snippet> snippets = snippets(document);
    assertThat(snippets).as("snippets in %s", document).hasSizeGreaterThanOrEqualTo(atLeast);
    for (Snippet s : snippets) {
      Path file = ROOT.resolve(s.file());
      assertThat(file).as("%s:%d names %s", s.document(), s.line(), s.file()).isRegularFile();
      String source = Files.readString(file, StandardCharsets.UTF_8);
      assertThat(source).as("%s:%d: the block is not (or no longer) in %s", s.document(), s.line(), s.file())
          .contains(s.code());
    }
  }

  @Test
  void everySnippetInTheGuideIsCopiedFromTheFileItNames() throws IOException {
    check(ROOT.resolve("docs/guide.md"), 15);
  }

  @Test
  void everySnippetInTheReadmeIsCopiedFromTheFileItNames() throws IOException {
    check(ROOT.resolve("README.md"), 0);
  }

  @Test
  void aChangedSnippetIsCaught() throws IOException {
    Path doc = Files.createTempFile("guide", ".md");
    try {
      Files.writeString(doc, "From `sync-examples/src/main/resources/static/app.js`:\n\n```js\nconst RETRYABLE = new Set([500]);\n```\n");
      List<Snippet> s = snippets(doc);
      assertThat(s).hasSize(1);
      assertThat(Files.readString(ROOT.resolve(s.get(0).file()))).doesNotContain(s.get(0).code());
    } finally {
      Files.delete(doc);
    }
  }
}
