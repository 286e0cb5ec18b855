package io.caisson.streaming;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A small HTTP server on loopback, standing in for a web server inside a pod. */
final class PodHttpServer implements AutoCloseable {

  static final String BODY = "hello from the pod\n";

  private final HttpServer server;

  PodHttpServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext(
        "/",
        exchange -> {
          byte[] body =
              (BODY + exchange.getRequestURI().getPath() + "\n").getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Connection", "close");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n";
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
