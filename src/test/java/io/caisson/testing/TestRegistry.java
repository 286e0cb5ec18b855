package io.caisson.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Debian's docker-registry on a free loopback port with storage in the test's temp dir, and a tiny
 * pusher for blobs and manifests the test builds itself.
 */
public final class TestRegistry implements AutoCloseable {
  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  private TestRegistry(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static TestRegistry start(Path dir) throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Files.createDirectories(dir);
    Path config = dir.resolve("config.yml");
    Files.writeString(
        config,
        """
        version: 0.1
        log:
          level: error
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:%d
        """
            .formatted(dir.resolve("storage"), port));
    Process process =
        new ProcessBuilder("/usr/bin/docker-registry", "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("registry.log").toFile())
            .start();
    TestRegistry registry = new TestRegistry(process, port);
    registry.awaitUp();
    return registry;
  }

  private void awaitUp() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<Void> response =
            http.send(
                HttpRequest.newBuilder(URI.create(base() + "/v2/")).build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("docker-registry did not come up on port " + port);
  }

  public String host() {
    return "127.0.0.1:" + port;
  }

  private String base() {
    return "http://" + host();
  }

  /** Uploads a blob (monolithic upload) and returns its digest. */
  public String pushBlob(String repository, byte[] content) throws Exception {
    String digest = digest(content);
    HttpResponse<Void> start =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding());
    String location = start.headers().firstValue("Location").orElseThrow();
    URI upload = URI.create(base()).resolve(location);
    String separator = upload.getQuery() == null ? "?" : "&";
    HttpResponse<String> put =
        http.send(
            HttpRequest.newBuilder(URI.create(upload + separator + "digest=" + digest))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (put.statusCode() != 201) {
      throw new IllegalStateException("blob upload failed: " + put.statusCode() + " " + put.body());
    }
    return digest;
  }

  public void pushManifest(String repository, String tag, String mediaType, byte[] manifest)
      throws Exception {
    HttpResponse<String> put =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/v2/" + repository + "/manifests/" + tag))
                .header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (put.statusCode() != 201) {
      throw new IllegalStateException(
          "manifest upload failed: " + put.statusCode() + " " + put.body());
    }
  }

  public static String digest(byte[] content) throws NoSuchAlgorithmException {
    return "sha256:"
        + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    process.waitFor();
  }
}
