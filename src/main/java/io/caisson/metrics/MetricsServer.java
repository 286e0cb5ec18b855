package io.caisson.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} in the Prometheus text format on the configured address, exactly as
 * configured (an operator who binds a public address asked for it). The JDK's HTTP server: a scrape
 * every few seconds needs nothing more.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  public MetricsServer(String host, int port, MetricRegistry registry) throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.createContext("/metrics", exchange -> scrape(exchange, registry));
    server.createContext("/", exchange -> reply(exchange, 404, "only /metrics is served\n"));
    server.setExecutor(executor);
  }

  public MetricsServer start() {
    server.start();
    LOG.info("metrics on http://{}/metrics", address());
    return this;
  }

  public String address() {
    InetSocketAddress bound = server.getAddress();
    String host = bound.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort();
  }

  private static void scrape(HttpExchange exchange, MetricRegistry registry) throws IOException {
    String method = exchange.getRequestMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      exchange.getResponseHeaders().set("Allow", "GET, HEAD");
      reply(exchange, 405, "use GET\n");
      return;
    }
    String body;
    try {
      body = registry.render();
    } catch (RuntimeException e) {
      LOG.warn("metrics scrape failed", e);
      reply(exchange, 500, "cannot render metrics: " + e + "\n");
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (method.equals("HEAD")) {
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
      return;
    }
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void reply(HttpExchange exchange, int code, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
