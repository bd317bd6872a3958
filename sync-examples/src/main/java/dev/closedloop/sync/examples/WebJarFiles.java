package dev.closedloop.sync.examples;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Where sync-web's WebJar keeps its files on the classpath, whatever its version. */
final class WebJarFiles {
  private WebJarFiles() {}

  /**
   * sync-web's files: the one version folder under its WebJar's {@code webjars/closedloop-sync/},
   * in the jar or (in a build) in its classes directory.
   */
  static URI root() {
    URL root = WebJarFiles.class.getResource(WEB_JAR);
    if (root == null) {
      throw new IllegalStateException("sync-web is missing from the classpath (" + WEB_JAR + ")");
    }
    try {
      URI uri = root.toURI();
      if ("jar".equals(uri.getScheme())) {
        try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
          return versionFolder(root, jar.provider().getPath(uri));
        } catch (FileSystemAlreadyExistsException e) {
          return versionFolder(root, FileSystems.getFileSystem(uri).provider().getPath(uri));
        }
      }
      return versionFolder(root, Path.of(uri));
    } catch (IOException | URISyntaxException e) {
      throw new IllegalStateException("cannot list " + root, e);
    }
  }

  private static URI versionFolder(URL root, Path dir) throws IOException {
    try (Stream<Path> children = Files.list(dir)) {
      List<String> versions = children.filter(Files::isDirectory)
          .map(p -> p.getFileName().toString().replace("/", "")).toList();
      if (versions.size() != 1) {
        throw new IllegalStateException("expected one sync-web version under " + root + ", found " + versions);
      }
      return URI.create(root + versions.get(0) + "/");
    }
  }

  private static final String WEB_JAR = "/META-INF/resources/webjars/closedloop-sync/";
}
