package io.caisson.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.caisson.json.JsonArray;
import io.caisson.json.JsonObject;
import io.caisson.json.JsonRecords;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The signature API OpenShift's registry adds, in front of the real registry: every request goes
 * through to it, {@code GET /v2/} answers with {@code X-Registry-Supports-Signatures: 1}, and
 * {@code GET /extensions/v2/REPOSITORY/signatures/DIGEST} lists the signatures the test added.
 */
final class SignatureApiProxy implements AutoCloseable {
  private static final List<String> FORWARDED_HEADERS =
      List.of("Content-Type", "Docker-Content-Digest", "WWW-Authenticate", "Location");

  private final HttpServer server;
  private final HttpClient client = HttpClient.newHttpClient();
  private final String upstream;
  private final Map<String, List<byte[]>> signatures = new ConcurrentHashMap<>();

  SignatureApiProxy(String upstreamHost) throws IOException {
    this.upstream = "http://" + upstreamHost;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/", this::handle);
    server.start();
  }

  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** Lists {@code signature} for {@code repository} at {@code manifest}. */
  void add(String repository, Digest manifest, byte[] signature) {
    signatures
        .computeIfAbsent(repository + "/signatures/" + manifest, k -> new ArrayList<>())
        .add(signature);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      if (path.startsWith("/extensions/v2/")) {
        JsonObject body = new JsonObject();
        JsonArray list = body.putArray("signatures");
        for (byte[] s :
            signatures.getOrDefault(path.substring("/extensions/v2/".length()), List.of())) {
          list.addObject()
              .put("version", 2)
              .put("type", "atomic")
              .put("name", "sig")
              .put("content", Base64.getEncoder().encodeToString(s));
        }
        // A kind of signature a node does not read is passed over.
        list.addObject().put("version", 3).put("type", "other").put("content", "eA==");
        byte[] bytes = JsonRecords.STANDARD.bytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        return;
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
              .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
      for (String name : List.of("Accept", "Authorization")) {
        String value = exchange.getRequestHeaders().getFirst(name);
        if (value != null) {
          request.header(name, value);
        }
      }
      HttpResponse<InputStream> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      for (String name : FORWARDED_HEADERS) {
        response
            .headers()
            .firstValue(name)
            .ifPresent(v -> exchange.getResponseHeaders().add(name, v));
      }
      if (path.equals("/v2/")) {
        exchange.getResponseHeaders().add("X-Registry-Supports-Signatures", "1");
      }
      long length = response.headers().firstValueAsLong("Content-Length").orElse(0);
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(response.statusCode(), head || length == 0 ? -1 : length);
      try (InputStream in = response.body();
          OutputStream out = exchange.getResponseBody()) {
        if (!head) {
          in.transferTo(out);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    client.close();
  }
}
