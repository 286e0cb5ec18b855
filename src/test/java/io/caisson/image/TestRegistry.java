package io.caisson.image;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * A real Debian docker-registry on 127.0.0.1 with a free port and its storage in a temp dir. {@code
 * authYaml} is the optional {@code auth:} section.
 */
final class TestRegistry implements AutoCloseable {
  final Path dir;
  final int port;
  private final Process process;
  private final boolean tls;

  TestRegistry(Path dir, String authYaml) throws Exception {
    this(dir, authYaml, null, null);
  }

  /**
   * @param storage the storage root, to serve what another test registry holds (null: its own)
   * @param tlsYaml the {@code http.tls} section, indented as under {@code http:} (null: plain http)
   */
  TestRegistry(Path dir, String authYaml, Path storage, String tlsYaml) throws Exception {
    this.dir = Files.createDirectories(dir);
    this.port = freePort();
    this.tls = tlsYaml != null;
    String config =
        """
        version: 0.1
        log:
          level: warn
          accesslog:
            disabled: true
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:%d
        %s
        %s
        """
            .formatted(
                storage == null ? dir.resolve("storage") : storage,
                port,
                tlsYaml == null ? "" : tlsYaml,
                authYaml == null ? "" : authYaml);
    Files.writeString(dir.resolve("config.yml"), config);
    process =
        new ProcessBuilder(
                "/usr/bin/docker-registry", "serve", dir.resolve("config.yml").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("registry.log").toFile())
            .start();
    waitReady();
  }

  String host() {
    return "127.0.0.1:" + port;
  }

  private void waitReady() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
      }
      try {
        int status =
            client
                .send(
                    HttpRequest.newBuilder(URI.create("http://" + host() + "/v2/")).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode();
        // A TLS registry answers plain http with 400: it is listening.
        if (status == 200 || status == 401 || (tls && status == 400)) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("docker-registry did not start");
  }

  /** The file the registry stores a blob in (to corrupt it). */
  Path blobFile(Digest d) {
    return dir.resolve("storage/docker/registry/v2/blobs")
        .resolve(d.algorithm())
        .resolve(d.hex().substring(0, 2))
        .resolve(d.hex())
        .resolve("data");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
