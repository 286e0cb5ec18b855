package io.caisson.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * A registry on a loopback port that serves one image (the distribution API's GET and HEAD of
 * {@code /v2/}, the manifest by tag or digest and the blobs by digest), for the AOT cache's
 * training pull. It lives as long as the training run.
 */
final class TrainingRegistry implements AutoCloseable {
  static final String REPOSITORY = "caisson/aot-training";
  static final String TAG = "1";

  private final HttpServer server;

  private TrainingRegistry(HttpServer server) {
    this.server = server;
  }

  /** Serves the image on an ephemeral port of 127.0.0.1. */
  static TrainingRegistry serve(TrainingImage image) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    String manifestDigest = TrainingImage.digestOf(image.manifest());
    Map<String, byte[]> blobs =
        Map.of(
            TrainingImage.digestOf(image.config()), image.config(),
            TrainingImage.digestOf(image.layer()), image.layer());
    String manifests = "/v2/" + REPOSITORY + "/manifests/";
    String blobPrefix = "/v2/" + REPOSITORY + "/blobs/";
    server.createContext(
        "/v2/",
        exchange -> {
          try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] blob =
                path.startsWith(blobPrefix) ? blobs.get(path.substring(blobPrefix.length())) : null;
            if (path.equals("/v2/")) {
              send(exchange, 200, "application/json", "{}".getBytes(), null);
            } else if (path.equals(manifests + TAG) || path.equals(manifests + manifestDigest)) {
              send(
                  exchange,
                  200,
                  "application/vnd.oci.image.manifest.v1+json",
                  image.manifest(),
                  manifestDigest);
            } else if (blob != null) {
              send(
                  exchange,
                  200,
                  "application/octet-stream",
                  blob,
                  path.substring(blobPrefix.length()));
            } else {
              send(exchange, 404, "application/json", "{\"errors\":[]}".getBytes(), null);
            }
          }
        });
    server.start();
    return new TrainingRegistry(server);
  }

  /** The image's reference, {@code 127.0.0.1:PORT/caisson/aot-training:1}. */
  String reference() {
    return "127.0.0.1:" + server.getAddress().getPort() + "/" + REPOSITORY + ":" + TAG;
  }

  private static void send(
      HttpExchange exchange, int status, String type, byte[] body, String digest)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    if (digest != null) {
      exchange.getResponseHeaders().set("Docker-Content-Digest", digest);
    }
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
